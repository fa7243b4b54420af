import type { Services } from "../context.js";
import { QUEUES } from "../jobs/engine.js";
import { logger } from "../log.js";
import { runCheckout } from "./checkout.saga.js";
import { findCheckout } from "./checkout.sql.js";

/**
 * The resume job, queued with every checkout: some time after the payment
 * started it runs the saga again. Normally the request (or its background
 * continuation) has ended it and this does nothing; after a crash it finishes
 * the sale or compensates; while the provider still says "pending" it looks
 * again when the hold's protection runs out, and gives up then.
 */
export async function registerCheckoutJobs(services: Services): Promise<void> {
  await services.jobs.work<{ purchaseId: string }>(QUEUES.checkoutResume.name, async ({ purchaseId }) => {
    const outcome = await runCheckout(services, purchaseId);
    if (outcome.status !== "processing") return;
    const checkout = await findCheckout(services.pool, purchaseId);
    const at = checkout?.payment_until ?? new Date(Date.now() + services.config.checkout.recoveryMs);
    logger.info({ event: "checkout.still_pending", purchaseId, nextLook: at.toISOString() });
    await services.jobs.send(QUEUES.checkoutResume.name, { purchaseId }, { startAfter: new Date(Math.max(at.getTime(), Date.now()) + 1_000) });
  });
}
