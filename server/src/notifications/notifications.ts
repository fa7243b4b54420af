import type { Config } from "../config.js";
import type { Services } from "../context.js";
import { QUEUES } from "../jobs/engine.js";
import { logger } from "../log.js";
import { deliverMessage, keptReason } from "./delivery.js";
import { OutboxRelay } from "./relay.js";
import { createTransports, type Transports } from "./transports.js";

export interface Notifications {
  relay: OutboxRelay;
  transports: Transports;
  /** Stops the relay (a pass under way finishes); the job engine is stopped after it. */
  stop(): Promise<void>;
  /** Closes kept-open SMTP connections: after the job engine, whose deliveries use them, has stopped. */
  closeTransports(): void;
}

/**
 * Email and SMS from the outbox: the relay runs in every process; the
 * delivery worker only where background jobs run (`worker`).
 */
export async function startNotifications(
  services: Pick<Services, "pool" | "jobs">,
  settings: Config["notifications"],
  options: { worker: boolean; transports?: Transports; production?: boolean },
): Promise<Notifications> {
  const transports = options.transports ?? createTransports(settings);
  if (options.worker) {
    // Said once at start, so a deployment that forgot SMTP_URL finds out before its shoppers do;
    // in development it is the expected set-up, not worth a warning.
    if (!transports.email) logger[options.production ? "warn" : "info"]({ event: "outbox.email_off", reason: keptReason("email") });
    if (!transports.sms) logger.info({ event: "outbox.sms_off", reason: keptReason("sms") });
    await services.jobs.work<{ messageId: string }>(QUEUES.outboxDeliver.name, async ({ messageId }, job) => {
      // pg-boss counts retries from 0; the try numbered retryLimit is the last it will make.
      await deliverMessage(services.pool, transports, messageId, { final: job.retryCount >= QUEUES.outboxDeliver.retryLimit });
    });
  }
  const relay = new OutboxRelay(services.pool, services.jobs, settings.relayMs);
  relay.start();
  return {
    relay,
    transports,
    async stop() {
      await relay.stop();
    },
    closeTransports() {
      transports.email?.close?.();
    },
  };
}
