import type { Services } from "../context.js";
import { isUniqueViolation, sqlState } from "../db/errors.js";
import { AppError } from "../errors.js";
import { isOurId } from "../values/ids.js";
import { toReservation } from "../reservations/reservation-view.js";
import { publishStockChange } from "../stock/publish.js";
import { newConfirmationCode } from "./confirmation-code.js";
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
export async function purchaseHold(services: Services, shopper: Shopper, reservationId: string): Promise<PurchaseResult> {
  if (!isOurId(reservationId)) throw reservationNotFound();
  const checkout = await findCheckout(services.db, reservationId, shopper.id);
  if (!checkout) throw reservationNotFound();
  if (checkout.purchase_id) {
    services.metrics.purchases.inc({ outcome: "repeat" });
    return {
      created: false,
      purchase: {
        id: checkout.purchase_id,
        dropId: checkout.drop_id,
        reservationId,
        quantity: checkout.purchase_quantity!,
        amountPaid: checkout.amount_paid!,
        confirmationCode: checkout.confirmation_code!,
        createdAt: checkout.purchased_at!.toISOString(),
      },
    };
  }
  if (checkout.status !== "active" || checkout.expires_at <= checkout.db_now) {
    services.metrics.purchases.inc({ outcome: "expired" });
    throw holdGone();
  }

  const charge = await services.payments.charge({ reference: reservationId, amount: checkout.amount, shopperId: shopper.id });
  if (!charge.approved) {
    services.metrics.purchases.inc({ outcome: "declined" });
    throw new AppError("PAYMENT_DECLINED", `The payment was declined: ${charge.reason}. Your hold is still active.`);
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
  const dropId = row.drop_id!;
  if (row.outcome === "PURCHASED" || (row.expired?.length ?? 0) > 0) publishStockChange(services, dropId, row, shopper.id);

  if (row.outcome === "NOT_FOUND") throw reservationNotFound();
  if (row.outcome === "NOT_ACTIVE") {
    await services.payments.refund(charge.paymentRef);
    throw holdGone();
  }
  if (row.outcome === "ALREADY_PURCHASED" && row.payment_ref !== charge.paymentRef) {
    // A concurrent request bought it with another charge: ours is not needed.
    await services.payments.refund(charge.paymentRef);
  }

  const purchase: Purchase = {
    id: row.purchase_id!,
    dropId,
    reservationId,
    quantity: row.quantity!,
    amountPaid: row.amount_paid!,
    confirmationCode: row.confirmation_code!,
    createdAt: row.purchased_at!.toISOString(),
  };
  if (row.outcome === "PURCHASED") {
    services.notifier.reservationChanged(
      shopper.id,
      toReservation(
        { id: reservationId, dropId, quantity: purchase.quantity, status: "completed", createdAt: checkout.created_at, expiresAt: checkout.expires_at },
        services.clock.now(),
      ),
    );
    services.notifier.purchaseCompleted({
      dropId,
      username: shopper.username,
      quantity: purchase.quantity,
      topPurchasers: await topPurchasers(services.db, dropId),
    });
  }
  return { created: row.outcome === "PURCHASED", purchase };
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
