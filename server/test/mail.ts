import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

export interface ReceivedMail {
  to: string[];
  messageId: string;
  subject: string;
  /** The whole message with transfer encodings undone, for "does it say X" checks. */
  text: string;
  raw: string;
}

export interface MailSink {
  url: string;
  received: ReceivedMail[];
  /** Deliveries tried (accepted or refused), per recipient. */
  attempts: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a free port that keeps what it is sent. `refuse`
 * decides per delivery: return a reply code (451, 550) to refuse it, or
 * nothing to accept it.
 */
export async function startMailSink(refuse: (recipient: string, attempt: number) => number | undefined = () => undefined): Promise<MailSink> {
  const received: ReceivedMail[] = [];
  const attempts = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        const attempt = (attempts.get(to[0]!) ?? 0) + 1;
        attempts.set(to[0]!, attempt);
        const code = refuse(to[0]!, attempt);
        if (code) {
          callback(Object.assign(new Error(code >= 500 ? "Mailbox unavailable" : "Try again later"), { responseCode: code }));
          return;
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({ to, messageId: header(raw, "Message-ID"), subject: header(raw, "Subject"), text: decodeQuotedPrintable(raw), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const match = new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head);
  return match?.[1]?.trim() ?? "";
}

function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export interface SmsSink {
  url: string;
  received: { to: string; body: string; idempotencyKey?: string; authorization?: string }[];
  close(): Promise<void>;
}

/** An HTTP SMS gateway stand-in: takes the webhook's POSTs and keeps them; `status` may refuse some. */
export async function startSmsSink(status: (to: string, attempt: number) => number = () => 200): Promise<SmsSink> {
  const received: SmsSink["received"] = [];
  const attempts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const message = JSON.parse(body) as { to: string; body: string };
      const attempt = (attempts.get(message.to) ?? 0) + 1;
      attempts.set(message.to, attempt);
      const code = status(message.to, attempt);
      if (code < 300) {
        const idempotencyKey = req.headers["idempotency-key"];
        received.push({ ...message, idempotencyKey: typeof idempotencyKey === "string" ? idempotencyKey : undefined, authorization: req.headers.authorization });
      }
      res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify({ ok: code < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
