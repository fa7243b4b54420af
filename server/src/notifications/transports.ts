import nodemailer from "nodemailer";
import { parseConnectionUrl } from "nodemailer/lib/shared/index.js";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import type { Config } from "../config.js";
import { errorMessage } from "../errors.js";

/** A transport that could not hand the message over; `retryable` says whether trying again can help. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface EmailMessage {
  /** The outbox id: the Message-ID is built from it, so a resend after a crash is recognisably the same email. */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SmsMessage {
  id: string;
  to: string;
  body: string;
}

export interface EmailTransport {
  send(message: EmailMessage): Promise<void>;
  /** Closes kept-open connections (at shutdown). */
  close?(): void;
}

/** An SMS provider behind one method; `webhook` is the first adapter. */
export interface SmsTransport {
  send(message: SmsMessage): Promise<void>;
}

/** What this process can send through; a missing one keeps its channel's messages in the outbox. */
export interface Transports {
  email?: EmailTransport;
  sms?: SmsTransport;
}

export const messageIdFor = (outboxId: string) => `<${outboxId}@dropline>`;

export function createTransports(settings: Config["notifications"]): Transports {
  return {
    email: settings.smtpUrl ? smtpTransport(settings.smtpUrl, settings.mailFrom) : undefined,
    sms: settings.sms ? webhookSms(settings.sms.webhookUrl) : undefined,
  };
}

/**
 * Email over SMTP (nodemailer). Its default timeouts run to minutes; these
 * are short so a stuck relay fails the attempt (and pg-boss retries it)
 * well before the job's own expiry hands it to another worker.
 */
export function smtpTransport(url: string, from: string): EmailTransport {
  // Settings in the URL's query (?socketTimeout=...) still win over these. Pooled: a connection
  // and its greeting per message made each delivery wait on the network (measured in the
  // checkout bench: 25 messages a second per process, with the CPU idle); one connection per
  // delivery worker is kept open instead.
  const options: SMTPPool.Options = {
    pool: true,
    maxConnections: 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    ...parseConnectionUrl(url),
  };
  const transporter = nodemailer.createTransport(options, { from });
  return {
    close: () => transporter.close(),
    async send(message) {
      try {
        await transporter.sendMail({
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: messageIdFor(message.id),
        });
      } catch (error) {
        throw smtpFailure(error);
      }
    },
  };
}

/** SMTP's own rule: a 5xx reply is permanent (no such mailbox, refused), anything else may pass later. */
function smtpFailure(error: unknown): DeliveryError {
  const e = error as { message?: string; responseCode?: number; response?: string };
  const reason = (e.response ?? e.message ?? String(error)).slice(0, 300);
  const permanent = typeof e.responseCode === "number" && e.responseCode >= 500 && e.responseCode < 600;
  return new DeliveryError(e.responseCode ? `SMTP ${e.responseCode}: ${reason}` : reason, !permanent);
}

/**
 * A generic HTTP SMS gateway: POST {to, body} as JSON. Credentials in the
 * URL (https://user:key@gateway.example/sms) go as Basic auth, since fetch
 * refuses a URL that carries them; the outbox id goes as Idempotency-Key so
 * a gateway that honours it drops a resend.
 */
export function webhookSms(webhookUrl: string): SmsTransport {
  const url = new URL(webhookUrl);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  const target = url.toString();
  return {
    async send(message) {
      let response: Response;
      try {
        response = await fetch(target, {
          method: "POST",
          headers: { ...headers, "idempotency-key": message.id },
          body: JSON.stringify({ to: message.to, body: message.body }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (error) {
        throw new DeliveryError(`SMS gateway unreachable: ${errorMessage(error)}`, true);
      }
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      const detail = (await response.text().catch(() => "")).slice(0, 200);
      // A 4xx is the gateway refusing this message (bad number, bad key); only throttling and timeouts may pass later.
      const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new DeliveryError(`SMS gateway answered ${response.status}${detail ? `: ${detail}` : ""}`, retryable);
    },
  };
}
