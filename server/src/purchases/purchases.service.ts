import type { Services } from "../context.js";
import { isUniqueViolation, sqlState } from "../db/errors.js";
import { AppError } from "../errors.js";
import { logger } from "../log.js";
import { PaymentUnreachable, type ChargeRequest, type ChargeResult } from "../payments/gateway.js";
import { isOurId } from "../values/ids.js";
import { publishStockChange } from "../realtime/publish.js";
import { toReservation } from "../stock/hold-view.js";
import { newConfirmationCode } from "./confirmation-code.js";
import { toPurchase } from "./purchase-view.js";
import type { Purchase } from "./purchases.schemas.js";
import { callCompletePurchase, findCheckout, topPurchasers, type CompletePurchaseRow } from "./purchases.sql.js";

export interface PurchaseResult {
  /** false when this hold was already bought: the same purchase is returned. */
  created: boolean;
  purchase: Purchase;
}

export interface Shopper {
  id: string;
  username: string;
}

/**
 * Buys the units of an active hold: charge while the hold protects them, then
 * complete the hold in one locked database call. If the hold lapsed in between,
 * the charge is refunded and the shopper gets 410: never both sold and expired.
 */
export async function purchaseHold(services: Services, shopper: Shopper, reservationId: string, method?: string): Promise<PurchaseResult> {
  const paymentMethod = method ?? services.payments.defaultMethod;
  if (!services.payments.accepts(paymentMethod)) {
    throw new AppError("VALIDATION_ERROR", `The request body is not valid: payment.method "${paymentMethod}" is not a method this payment provider knows.`, [
      { path: "payment.method", message: "is not a method this payment provider knows" },
    ]);
  }
  if (!isOurId(reservationId)) throw reservationNotFound();
  const checkout = await findCheckout(services.db, reservationId, shopper.id);
  if (!checkout) throw reservationNotFound();
  if (checkout.purchase_id !== null) {
    services.metrics.purchases.inc({ outcome: "repeat" });
    return { created: false, purchase: toPurchase(checkout) };
  }
  if (checkout.hold_status !== "active" || checkout.hold_expires_at <= checkout.db_now) {
    services.metrics.purchases.inc({ outcome: "expired" });
    throw holdGone();
  }

  const charge = await chargeWithRetries(services, { reference: reservationId, amount: checkout.amount, shopperId: shopper.id, method: paymentMethod });
  if (!charge.approved) {
    services.metrics.purchases.inc({ outcome: "declined" });
    throw new AppError("PAYMENT_DECLINED", `The payment was declined (${charge.reason}). Your hold is still yours: try another payment method.`, {
      reason: charge.reason,
    });
  }

  let row: CompletePurchaseRow;
  try {
    row = await completeWithFreshCode(services, reservationId, shopper.id, charge.paymentRef);
  } catch (error) {
    // An error PostgreSQL answered means the transaction rolled back: nothing was sold, refund.
    // A lost connection leaves it unknown: keep the charge, and a retry (same reservation, so the
    // same charge reference) finds the sale or completes it. A refund there could refund a sale.
    if (rolledBack(error)) await services.payments.refund(charge.paymentRef);
    throw error;
  }

  services.metrics.purchases.inc({ outcome: { PURCHASED: "purchased", ALREADY_PURCHASED: "repeat", NOT_ACTIVE: "expired", NOT_FOUND: "not_found" }[row.outcome] });
  if (row.outcome === "NOT_FOUND") throw reservationNotFound();
  if (row.outcome === "PURCHASED" || row.expired.length > 0) publishStockChange(services, row.drop_id, row, shopper.id);

  if (row.outcome === "NOT_ACTIVE") {
    await services.payments.refund(charge.paymentRef);
    throw holdGone();
  }
  if (row.outcome === "ALREADY_PURCHASED" && row.payment_ref !== charge.paymentRef) {
    // A concurrent request bought it with another charge: ours is not needed.
    await services.payments.refund(charge.paymentRef);
  }

  const purchase = toPurchase(row);
  if (row.outcome === "PURCHASED") {
    services.notifier.reservationChanged(shopper.id, toReservation({ ...checkout, hold_status: "completed" }, services.clock.now()));
    // The sale is committed: the buyer's answer must not wait for (or fail with) the read that
    // feeds everyone's "recent buyers" (measured: 503s for sales that had been made, when the pool was busy).
    void topPurchasers(services.db, row.drop_id)
      .then((top) => services.notifier.purchaseCompleted({ dropId: row.drop_id, username: shopper.username, quantity: purchase.quantity, topPurchasers: top }))
      .catch((error: unknown) => logger.warn({ event: "purchase.announce_failed", dropId: row.drop_id, error: error instanceof Error ? error.message : String(error) }));
  }
  return { created: row.outcome === "PURCHASED", purchase };
}

/** Waits before each retry of a payment the provider could not take: short, as the hold's clock is running. */
const PAYMENT_RETRY_DELAYS_MS = [100, 300, 900];

/** Charges, asking again after a transient failure; a provider still unreachable after that is a 503, the hold untouched. */
async function chargeWithRetries(services: Services, request: ChargeRequest): Promise<ChargeResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await services.payments.charge(request);
    } catch (error) {
      if (!(error instanceof PaymentUnreachable)) throw error;
      const delay = PAYMENT_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        services.metrics.purchases.inc({ outcome: "payment_unavailable" });
        logger.warn({ event: "payment.unavailable", reservationId: request.reference, error: error.message });
        throw new AppError("PAYMENT_UNAVAILABLE", "The payment provider cannot be reached right now. Your hold is still yours: try again in a moment.");
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function completeWithFreshCode(services: Services, reservationId: string, userId: string, paymentRef: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await callCompletePurchase(services.db, reservationId, userId, newConfirmationCode(), paymentRef);
    } catch (error) {
      // 50 random bits rarely collide, but a collision must not fail a sale.
      if (isUniqueViolation(error) && attempt < 3) continue;
      throw error;
    }
  }
}

/** The database answered with an error (not a connection failure or shutdown), so nothing committed. */
function rolledBack(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && !state.startsWith("08") && !state.startsWith("57P");
}

const reservationNotFound = () => new AppError("RESERVATION_NOT_FOUND", "No reservation of yours has that id.");
const holdGone = () => new AppError("RESERVATION_EXPIRED", "This hold has expired or was cancelled; its units went back to stock.");
