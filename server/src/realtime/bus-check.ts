import { randomBytes } from "node:crypto";
import pg from "pg";
import { logger } from "../log.js";
import { errorMessage } from "../errors.js";

/**
 * Start-up check that DIRECT_URL gives a real session: a NOTIFY sent on one
 * connection must reach a LISTEN on another. Behind a transaction-mode pooler
 * (PgBouncer, Neon's "-pooler" URL) LISTEN is accepted but nothing ever
 * arrives, so events between instances would silently stop; this says so
 * loudly at start-up instead. Returns whether the notice arrived.
 */
export async function checkListenWorks(url: string, timeoutMs = 3_000): Promise<boolean> {
  const channel = `dropline_check_${randomBytes(6).toString("hex")}`;
  const listener = new pg.Client({ connectionString: url, application_name: "dropline-check" });
  const sender = new pg.Client({ connectionString: url, application_name: "dropline-check" });
  listener.on("error", () => undefined);
  sender.on("error", () => undefined);
  try {
    await Promise.all([listener.connect(), sender.connect()]);
    const heard = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      listener.on("notification", (message) => {
        if (message.channel !== channel) return;
        clearTimeout(timer);
        resolve(true);
      });
    });
    await listener.query(`LISTEN ${channel}`);
    await sender.query("SELECT pg_notify($1, 'ping')", [channel]);
    const ok = await heard;
    if (!ok) {
      logger.error({
        event: "io.listen_not_working",
        message:
          "DIRECT_URL does not deliver LISTEN/NOTIFY (a transaction-mode pooler?): events will not cross server processes or instances, and crashed processes' Idempotency-Key claims are freed only after 60 s. Set DIRECT_URL to the database's direct, non-pooled URL.",
      });
    }
    return ok;
  } catch (error) {
    logger.warn({ event: "io.listen_check_failed", error: errorMessage(error) });
    return false;
  } finally {
    await Promise.allSettled([listener.end(), sender.end()]);
  }
}
