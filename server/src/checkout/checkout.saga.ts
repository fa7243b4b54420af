import type { Services } from "../context.js";
import { isUniqueViolation } from "../db/errors.js";
import { errorMessage } from "../errors.js";
import { QUEUES } from "../jobs/engine.js";
import { logger } from "../log.js";
import type { ChargeResult } from "../payments/gateway.js";
import { withPaymentRetries } from "../payments/retry.js";
import { newConfirmationCode } from "../purchases/confirmation-code.js";
import { toPurchase } from "../purchases/purchase-view.js";
import { findPurchase, topPurchasers } from "../purchases/purchases.sql.js";
import { publishStockChange } from "../realtime/publish.js";
import { findOwnReservation } from "../reservations/reservations.sql.js";
import { toReservation } from "../stock/hold-view.js";
import { newTicketCode } from "../tickets/ticket-code.js";
import { crashPoint } from "./crash-point.js";
import {
  appendEvent,
  callCompleteCheckout,
  callFailCheckout,
  callReleaseDrop,
  findCheckout,
  markVoided,
  recordCharge,
  recordFailedCharge,
  type CheckoutRow,
} from "./checkout.sql.js";

/** Where a checkout ended up after one run of the saga. */
export type CheckoutOutcome =
  | { status: "completed" }
  | { status: "failed"; reason: string; kind: "declined" | "unreachable" | "hold_ended" | "gave_up" }
  | { status: "processing" };

/** A void the provider could not take is asked again by the resume job this much later (then with pg-boss's backoff). */
const VOID_RETRY_MS = 5_000;


/**
 * Runs a checkout's saga from wherever it stands, to its end if it can:
 * charge -> record -> sell (hold, purchase, tickets, outbox in one
 * transaction), or fail -> void the charge. Every step is idempotent (the
 * charge by its key; the sale and the failure each take the checkout's row
 * lock, so a checkout ends once; the void by the provider and by `voided_at`),
 * so the request, the background job after a 202 or a crash, and a second
 * process may all run it: it ends one way, once.
 */
export async function runCheckout(services: Services, checkoutId: string): Promise<CheckoutOutcome> {
  const checkout = await findCheckout(services.pool, checkoutId);
  if (!checkout) throw new Error(`checkout ${checkoutId} does not exist`);
  if (checkout.status !== "processing") {
    if (checkout.status === "failed") await compensate(services, checkout.id);
    return recordedOutcome(checkout);
  }

  const charge = await chargeOrRetrieve(services, checkout);
  crashPoint("charge_answered");
  if (charge === "unreachable") return fail(services, checkout, "unreachable", "provider_unreachable");
  if (charge.outcome === "declined") {
    if (charge.paymentRef) await recordFailedCharge(services.pool, checkout.id, charge.paymentRef);
    return fail(services, checkout, "declined", charge.reason);
  }
  if (charge.outcome === "pending") {
    if (await recordCharge(services.pool, checkout.id, { status: "pending", paymentRef: charge.paymentRef }))
      await appendEvent(services.pool, checkout.reservation_id, "payment_pending", { purchaseId: checkout.id, paymentRef: charge.paymentRef });
    // The hold's protection has run out while the provider still waits (for the shopper, a bank): give up and cancel it.
    if (checkout.payment_until && checkout.payment_until <= checkout.db_now) {
      return fail(services, checkout, "pending", "payment_timeout");
    }
    return { status: "processing" };
  }

  if (await recordCharge(services.pool, checkout.id, { status: "approved", paymentRef: charge.paymentRef }))
    await appendEvent(services.pool, checkout.reservation_id, "payment_approved", { purchaseId: checkout.id, paymentRef: charge.paymentRef });
  crashPoint("charge_recorded");
  return completeSale(services, { ...checkout, charge_status: "approved", payment_ref: charge.paymentRef });
}

/**
 * The provider's answer for this checkout: a new (idempotent) charge, or where
 * a known pending one stands now. A pending charge the provider cannot be
 * asked about stays pending: it may still take the money, so it must be
 * cancelled, never forgotten as "unreachable".
 */
async function chargeOrRetrieve(services: Services, checkout: CheckoutRow): Promise<ChargeResult | "unreachable"> {
  if (checkout.charge_status === "approved" && checkout.payment_ref) return { outcome: "approved", paymentRef: checkout.payment_ref };
  const pendingRef = checkout.charge_status === "pending" ? checkout.payment_ref : null;
  const answer = await withPaymentRetries(
    () =>
      pendingRef
        ? services.payments.retrieve(pendingRef)
        : services.payments.charge({ idempotencyKey: `${checkout.id}:charge`, amount: checkout.amount, shopperId: checkout.user_id, method: checkout.method }),
    async ({ attempt, willRetry, error }) => {
      await appendEvent(services.pool, checkout.reservation_id, "payment_failed", {
        purchaseId: checkout.id,
        reason: "provider_unreachable",
        attempt,
        retryable: willRetry || pendingRef !== null,
        error: error.message,
      });
      if (!willRetry) logger.warn({ event: "payment.unavailable", purchaseId: checkout.id, error: error.message });
    },
  );
  if (answer === "unreachable" && pendingRef) return { outcome: "pending", paymentRef: pendingRef };
  return answer;
}

async function completeSale(services: Services, checkout: CheckoutRow): Promise<CheckoutOutcome> {
  const ticketCodes = Array.from({ length: checkout.quantity }, newTicketCode);
  let row;
  for (let attempt = 0; ; attempt++) {
    try {
      row = await callCompleteCheckout(services.pool, checkout.id, newConfirmationCode(), ticketCodes);
      break;
    } catch (error) {
      // 50 random bits of confirmation code rarely collide, but a collision must not fail a sale.
      if (isUniqueViolation(error) && attempt < 3) continue;
      throw error;
    }
  }
  if (row.outcome === "NOT_FOUND") throw new Error(`checkout ${checkout.id} vanished`);
  if (row.outcome === "ALREADY_COMPLETED") return { status: "completed" };
  if (row.outcome === "PURCHASED" || row.expired.length > 0) publishStockChange(services, row.drop_id, row, checkout.user_id);
  if (row.outcome === "PURCHASED") {
    crashPoint("sale_committed");
    services.metrics.purchases.inc({ outcome: "purchased" });
    services.notifier.reservationChanged(
      checkout.user_id,
      toReservation(
        {
          hold_id: checkout.reservation_id,
          drop_id: row.drop_id,
          hold_quantity: row.quantity,
          hold_status: "completed",
          hold_created_at: row.hold_created_at,
          hold_expires_at: row.hold_expires_at,
          hold_unit_price: checkout.unit_price,
          hold_payment_until: null,
        },
        services.clock.now(),
      ),
    );
    announcePurchase(services, row.drop_id, checkout.user_id, row.quantity);
    await announceEnd(services, checkout.id);
    return { status: "completed" };
  }
  // The hold went (cancelled, or expired past its payment's protection) while the payment ran: the money goes back.
  services.metrics.purchases.inc({ outcome: "expired" });
  await compensate(services, checkout.id);
  await announceEnd(services, checkout.id);
  return { status: "failed", reason: "hold_ended", kind: "hold_ended" };
}

async function fail(
  services: Services,
  checkout: CheckoutRow,
  chargeStatus: "declined" | "unreachable" | "pending",
  reason: string,
): Promise<CheckoutOutcome> {
  const row = await callFailCheckout(services.pool, checkout.id, chargeStatus, reason);
  if (row.outcome === "NOT_FOUND") throw new Error(`checkout ${checkout.id} vanished`);
  if (row.hold_lapsed) {
    // Its time ran out while it was paying: the units go back now, not at the next sweep.
    const released = await callReleaseDrop(services.pool, row.drop_id);
    if (released && released.expired.length > 0) publishStockChange(services, row.drop_id, released);
  }
  if (row.outcome === "FAILED") {
    // The hold is the shopper's again (no longer paying), or it lapsed and was told as expired above.
    if (!row.hold_lapsed) await tellHold(services, checkout.user_id, checkout.reservation_id);
    services.metrics.purchases.inc({ outcome: chargeStatus === "declined" ? "declined" : "payment_unavailable" });
    if (chargeStatus === "declined")
      await appendEvent(services.pool, checkout.reservation_id, "payment_failed", { purchaseId: checkout.id, reason, attempt: 1, retryable: false });
    else if (chargeStatus === "pending")
      await appendEvent(services.pool, checkout.reservation_id, "payment_failed", { purchaseId: checkout.id, reason, retryable: false });
    await compensate(services, checkout.id);
    await announceEnd(services, checkout.id);
    return failedOutcome(chargeStatus, reason);
  }
  // Another run ended it first: report what it decided.
  const now = await findCheckout(services.pool, checkout.id);
  if (now?.status === "completed") return { status: "completed" };
  return failedOutcome(now?.charge_status ?? chargeStatus, now?.failure_reason ?? reason);
}

/**
 * Voids (refunds) the charge of a checkout that ended without a sale, once:
 * the provider ignores a second void of a charge, and only the run that marks
 * `voided_at` writes the timeline's `payment_voided`. A declined charge or
 * one never made owes nothing.
 */
async function compensate(services: Services, checkoutId: string): Promise<void> {
  const checkout = await findCheckout(services.pool, checkoutId);
  if (!checkout || checkout.status !== "failed" || checkout.voided_at || !checkout.payment_ref) return;
  if (checkout.charge_status !== "approved" && checkout.charge_status !== "pending") return;
  try {
    await services.payments.refund(checkout.payment_ref);
  } catch (error) {
    // The sale is decided (none); only the money is owed back. Try again later rather than fail the shopper's answer.
    logger.warn({ event: "payment.void_failed", purchaseId: checkout.id, error: errorMessage(error) });
    await services.jobs.send(QUEUES.checkoutResume.name, { purchaseId: checkout.id }, { startAfter: new Date(Date.now() + VOID_RETRY_MS) });
    return;
  }
  crashPoint("void_sent");
  if (await markVoided(services.pool, checkout.id)) {
    services.metrics.purchases.inc({ outcome: "voided" });
    await appendEvent(services.pool, checkout.reservation_id, "payment_voided", { purchaseId: checkout.id, paymentRef: checkout.payment_ref });
  }
}

/** The hold's owner hears where it stands now: paying while a payment runs, active again after one failed. */
export async function tellHold(services: Services, userId: string, reservationId: string): Promise<void> {
  const hold = await findOwnReservation(services.db, reservationId, userId);
  if (hold) services.notifier.reservationChanged(userId, toReservation(hold, services.clock.now()));
}

/** Where a checkout stands, read from its row without taking any step: for a request that stopped waiting on the saga. */
export async function storedOutcome(services: Services, checkoutId: string): Promise<CheckoutOutcome> {
  const checkout = await findCheckout(services.pool, checkoutId);
  if (!checkout) throw new Error(`checkout ${checkoutId} does not exist`);
  return recordedOutcome(checkout);
}

/** The outcome a checkout's row records. */
function recordedOutcome(checkout: CheckoutRow): CheckoutOutcome {
  if (checkout.status === "failed") return failedOutcome(checkout.charge_status, checkout.failure_reason ?? "failed");
  return { status: checkout.status };
}

function failedOutcome(chargeStatus: string, reason: string): CheckoutOutcome {
  if (reason === "hold_ended") return { status: "failed", reason, kind: "hold_ended" };
  if (chargeStatus === "declined") return { status: "failed", reason, kind: "declined" };
  if (chargeStatus === "unreachable") return { status: "failed", reason, kind: "unreachable" };
  return { status: "failed", reason, kind: "gave_up" };
}

/** The buyer's pages hear that the purchase ended (the request may have answered 202 long ago, in another process). */
async function announceEnd(services: Services, checkoutId: string): Promise<void> {
  const row = await findPurchase(services.db, checkoutId);
  if (row) services.notifier.purchaseUpdated(row.user_id, toPurchase(row));
}

/** Everyone watching the drop sees the sale in "recent buyers"; the buyer's answer never waits for that read. */
function announcePurchase(services: Services, dropId: string, userId: string, quantity: number): void {
  void (async () => {
    const [top, username] = await Promise.all([topPurchasers(services.db, dropId), usernameOf(services, userId)]);
    services.notifier.purchaseCompleted({ dropId, username, quantity, topPurchasers: top });
  })().catch((error: unknown) => logger.warn({ event: "purchase.announce_failed", dropId, error: errorMessage(error) }));
}

async function usernameOf(services: Services, userId: string): Promise<string> {
  const { rows } = await services.pool.query<{ username: string }>(`SELECT username FROM users WHERE id = $1::uuid`, [userId]);
  return rows[0]?.username ?? "someone";
}
