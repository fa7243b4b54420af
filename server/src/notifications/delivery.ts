import type pg from "pg";
import { withTransaction } from "../db/transaction.js";
import { logger } from "../log.js";
import { appendHoldEvent, lockMessage, markSent, recordFailedAttempt, recordKept, type OutboxRow } from "./outbox.sql.js";
import { renderMessage, TemplateError } from "./templates.js";
import { DeliveryError, type Transports } from "./transports.js";
import { errorMessage } from "../errors.js";

export type DeliveryOutcome = "sent" | "already_ended" | "kept" | "failed" | "retry" | "missing";

/** Thrown after a failed attempt that may pass later: the job engine retries the job with backoff. */
export class RetryLater extends Error {}

/** What a message shows when its channel has no transport in this deployment. */
export const keptReason = (channel: OutboxRow["channel"]) =>
  channel === "email" ? "no SMTP_URL set: kept in the outbox, not sent" : "no SMS_PROVIDER set: kept in the outbox, not sent";

/**
 * Delivers one outbox message, at most once as far as the row can tell:
 * the row is locked for the whole attempt and marked sent in the same
 * transaction, so a duplicate job waits on the lock and then finds it sent.
 * The one window left is a crash (or a lost commit) after the transport took
 * the message and before the commit: the retry sends it again, with the same
 * Message-ID (email) or Idempotency-Key (SMS gateway) so the receiver can
 * drop the copy.
 *
 * `attempt.final` is true on the job's last try: a failure then ends the
 * message as failed instead of asking for another retry.
 */
export async function deliverMessage(
  pool: pg.Pool,
  transports: Transports,
  messageId: string,
  attempt: { final: boolean },
): Promise<DeliveryOutcome> {
  const result: { outcome: DeliveryOutcome; message?: OutboxRow; error?: string } = await withTransaction(pool, async (client) => {
    const message = await lockMessage(client, messageId);
    return message ? { message, ...(await attemptDelivery(client, transports, message, attempt)) } : { outcome: "missing" };
  });
  if (result.message) logOutcome(result.message, result.outcome, result.error);
  // Thrown only once the attempt, its error and its timeline event are committed.
  if (result.outcome === "retry") throw new RetryLater(`${result.message!.channel} ${messageId}: ${result.error}`);
  return result.outcome;
}

async function attemptDelivery(
  client: pg.ClientBase,
  transports: Transports,
  message: OutboxRow,
  attempt: { final: boolean },
): Promise<{ outcome: DeliveryOutcome; error?: string }> {
  if (message.status !== "pending") return { outcome: "already_ended" };
  const transport = message.channel === "email" ? transports.email : transports.sms;
  if (!transport) {
    await recordKept(client, message.id, keptReason(message.channel));
    return { outcome: "kept" };
  }
  try {
    const rendered = renderMessage(message.template, message.channel, message.data);
    if (message.channel === "email") {
      await transports.email!.send({ id: message.id, to: message.recipient, subject: rendered.subject ?? "", text: rendered.text, html: rendered.html ?? "" });
    } else {
      await transports.sms!.send({ id: message.id, to: message.recipient, body: rendered.text });
    }
  } catch (error) {
    const retryable = error instanceof DeliveryError ? error.retryable : !(error instanceof TemplateError);
    const reason = errorMessage(error);
    const final = attempt.final || !retryable;
    const attempts = await recordFailedAttempt(client, message.id, reason, final);
    if (message.reservation_id) {
      await appendHoldEvent(client, message.reservation_id, "notification_failed", {
        messageId: message.id,
        channel: message.channel,
        reason,
        attempt: attempts,
        retryable: !final,
      });
    }
    return { outcome: final ? "failed" : "retry", error: `${reason} (attempt ${attempts})` };
  }
  await markSent(client, message.id);
  if (message.reservation_id) {
    await appendHoldEvent(client, message.reservation_id, "notification_sent", { messageId: message.id, channel: message.channel });
  }
  return { outcome: "sent" };
}

function logOutcome(message: OutboxRow, outcome: DeliveryOutcome, error?: string): void {
  const fields = { messageId: message.id, channel: message.channel, template: message.template, reservationId: message.reservation_id };
  if (outcome === "sent") logger.info({ event: "outbox.sent", ...fields });
  else if (outcome === "retry") logger.warn({ event: "outbox.attempt_failed", ...fields, error });
  else if (outcome === "failed") logger.warn({ event: "outbox.failed", ...fields, error });
  else if (outcome === "kept") logger.info({ event: "outbox.kept", ...fields, reason: keptReason(message.channel) });
}
