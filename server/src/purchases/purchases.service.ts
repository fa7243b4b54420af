import { runCheckout, storedOutcome, tellHold, type CheckoutOutcome } from "../checkout/checkout.saga.js";
import { callStartCheckout } from "../checkout/checkout.sql.js";
import { crashPoint } from "../checkout/crash-point.js";
import type { Services } from "../context.js";
import { withTransaction } from "../db/transaction.js";
import { AppError, errorMessage } from "../errors.js";
import { QUEUES } from "../jobs/engine.js";
import { logger } from "../log.js";
import { isOurId } from "../values/ids.js";
import { toPurchase } from "./purchase-view.js";
import type { Purchase } from "./purchases.schemas.js";
import { findPurchase } from "./purchases.sql.js";

export interface PurchaseResult {
  /** 201: bought now; 200: bought before (the same purchase); 202: still processing. */
  httpStatus: 200 | 201 | 202;
  purchase: Purchase;
}

export interface Shopper {
  id: string;
  username: string;
}

/**
 * Pays for an active hold. The checkout is recorded (and its resume job
 * queued) in one transaction before the provider is called; the saga then
 * runs here while the shopper waits, up to PAYMENT_TIMEOUT_MS, and after that
 * in the background: the answer is then 202 "processing" and the end comes as
 * `purchaseUpdated`. A crash at any point is picked up by the resume job.
 */
export async function purchaseHold(services: Services, shopper: Shopper, reservationId: string, method?: string): Promise<PurchaseResult> {
  const paymentMethod = method ?? services.payments.defaultMethod;
  if (!services.payments.accepts(paymentMethod)) {
    throw new AppError("VALIDATION_ERROR", `The request body is not valid: payment.method "${paymentMethod}" is not a method this payment provider knows.`, [
      { path: "payment.method", message: "is not a method this payment provider knows" },
    ]);
  }
  if (!isOurId(reservationId)) throw reservationNotFound();

  const started = await startCheckout(services, reservationId, shopper.id, paymentMethod);
  switch (started.outcome) {
    case "NOT_FOUND":
      throw reservationNotFound();
    case "NOT_ACTIVE":
      services.metrics.purchases.inc({ outcome: "expired" });
      throw holdGone();
    case "ALREADY_PURCHASED":
      services.metrics.purchases.inc({ outcome: "repeat" });
      return { httpStatus: 200, purchase: await purchaseView(services, started.checkout_id) };
    case "IN_FLIGHT":
      // A payment for this hold is already running (a double click, a retry): this request reports on it.
      return standing(services, started.checkout_id, 200);
  }
  const checkoutId = started.checkout_id;
  crashPoint("checkout_started");
  // Every page of the shopper now reads the hold as paying: it will not expire while the payment runs.
  await tellHold(services, shopper.id, reservationId);

  const run = runCheckout(services, checkoutId);
  const outcome = await Promise.race([run, timeout(services.config.checkout.paymentTimeoutMs)]);
  if (outcome === "timeout") {
    run.catch((error: unknown) => logger.warn({ event: "checkout.background_failed", purchaseId: checkoutId, error: errorMessage(error) }));
    return standing(services, checkoutId, 201);
  }
  return answer(outcome, await purchaseView(services, checkoutId));
}

/** The checkout's row and its resume job, committed together: no payment starts that nothing would finish. */
function startCheckout(services: Services, reservationId: string, userId: string, method: string) {
  return withTransaction(services.pool, async (client) => {
    const row = await callStartCheckout(client, reservationId, userId, method);
    if (row.outcome === "STARTED") {
      await services.jobs.sendInTransaction(client, [
        { queue: QUEUES.checkoutResume.name, data: { purchaseId: row.checkout_id }, startAfter: new Date(Date.now() + services.config.checkout.recoveryMs) },
      ]);
    }
    return row;
  });
}

/**
 * The answer of a request that did not see the saga end: the purchase as it
 * stands, with the status its body calls for. The payment may end between the
 * wait and this read (seen under load: a 202 whose body said "completed"), so
 * the code follows the body: 202 only while it is processing. Completed and
 * failed are final, so the checkout read after a "failed" agrees with it.
 */
async function standing(services: Services, checkoutId: string, ifCompleted: 200 | 201): Promise<PurchaseResult> {
  const purchase = await purchaseView(services, checkoutId);
  if (purchase.status === "processing") return { httpStatus: 202, purchase };
  if (purchase.status === "completed") return { httpStatus: ifCompleted, purchase };
  return answer(await storedOutcome(services, checkoutId), purchase);
}

function answer(outcome: CheckoutOutcome, purchase: Purchase): PurchaseResult {
  if (outcome.status === "completed") return { httpStatus: 201, purchase };
  if (outcome.status === "processing") return { httpStatus: 202, purchase };
  switch (outcome.kind) {
    case "declined":
      throw new AppError("PAYMENT_DECLINED", `The payment was declined (${outcome.reason}). Your hold is still yours until it runs out: try another payment method.`, {
        reason: outcome.reason,
        purchaseId: purchase.id,
      });
    case "unreachable":
      throw new AppError("PAYMENT_UNAVAILABLE", "The payment provider cannot be reached right now. Your hold is still yours: try again in a moment.", {
        purchaseId: purchase.id,
      });
    case "hold_ended":
      throw holdGone();
    case "gave_up":
      throw new AppError("PAYMENT_DECLINED", `The payment did not complete (${outcome.reason}).`, { reason: outcome.reason, purchaseId: purchase.id });
  }
}

/** GET /api/purchases/:id: the owner's purchase, whatever its status. */
export async function getPurchase(services: Services, userId: string, purchaseId: string): Promise<Purchase> {
  if (!isOurId(purchaseId)) throw purchaseNotFound();
  const row = await findPurchase(services.db, purchaseId);
  if (!row || row.user_id !== userId) throw purchaseNotFound();
  return toPurchase(row);
}

async function purchaseView(services: Services, purchaseId: string): Promise<Purchase> {
  const row = await findPurchase(services.db, purchaseId);
  if (!row) throw new Error(`purchase ${purchaseId} has no row`);
  return toPurchase(row);
}

const timeout = (ms: number) => new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms).unref());
const reservationNotFound = () => new AppError("RESERVATION_NOT_FOUND", "No reservation of yours has that id.");
const purchaseNotFound = () => new AppError("PURCHASE_NOT_FOUND", "No purchase of yours has that id.");
const holdGone = () => new AppError("RESERVATION_EXPIRED", "This hold has expired or was cancelled; its units went back to stock.");
