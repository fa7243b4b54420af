import type pg from "pg";
import { onlyRow } from "../db/prisma.js";
import type { StockRow } from "../stock/stock.js";

export type StartCheckoutRow =
  | { outcome: "STARTED"; checkout_id: string; drop_id: string; amount: string; expires_at: Date; payment_until: Date }
  | { outcome: "ALREADY_PURCHASED" | "IN_FLIGHT"; checkout_id: string; drop_id: string }
  | { outcome: "NOT_ACTIVE"; drop_id: string }
  | { outcome: "NOT_FOUND" };

/** Records a payment starting on a hold (and protects the hold while it runs). */
export async function callStartCheckout(client: pg.ClientBase, reservationId: string, userId: string, method: string): Promise<StartCheckoutRow> {
  const { rows } = await client.query<StartCheckoutRow>(
    `SELECT outcome, checkout_id::text, drop_id::text, amount::text, expires_at, payment_until
     FROM dropline_start_checkout($1::uuid, $2::uuid, $3)`,
    [reservationId, userId, method],
  );
  return onlyRow(rows);
}

/** The saga's record of one checkout: what it has done so far. */
export interface CheckoutRow {
  id: string;
  reservation_id: string;
  user_id: string;
  drop_id: string;
  method: string;
  amount: string;
  quantity: number;
  /** The hold's price per unit, fixed when it was taken. */
  unit_price: string;
  status: "processing" | "completed" | "failed";
  charge_status: "none" | "pending" | "approved" | "declined" | "unreachable";
  payment_ref: string | null;
  failure_reason: string | null;
  voided_at: Date | null;
  payment_until: Date | null;
  db_now: Date;
}

export async function findCheckout(pool: pg.Pool, checkoutId: string): Promise<CheckoutRow | undefined> {
  const { rows } = await pool.query<CheckoutRow>(
    `SELECT c.id::text, c.reservation_id::text, c.user_id::text, c.drop_id::text, c.method, c.amount::text, r.quantity, r.unit_price::text, c.status::text,
            c.charge_status, c.payment_ref, c.failure_reason, c.voided_at, r.payment_until, clock_timestamp() AS db_now
     FROM checkouts c JOIN reservations r ON r.id = c.reservation_id WHERE c.id = $1::uuid`,
    [checkoutId],
  );
  return rows[0];
}

export async function findCheckoutByPaymentRef(pool: pg.Pool, paymentRef: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>(`SELECT id::text FROM checkouts WHERE payment_ref = $1`, [paymentRef]);
  return rows[0]?.id;
}

/** The provider has answered (approved, or pending under this reference): recorded before anything depends on it. */
export async function recordCharge(
  pool: pg.Pool,
  checkoutId: string,
  charge: { status: "approved" | "pending"; paymentRef: string },
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE checkouts SET charge_status = $2, payment_ref = $3, updated_at = clock_timestamp()
     WHERE id = $1::uuid AND status = 'processing' AND charge_status IN ('none', 'pending')`,
    [checkoutId, charge.status, charge.paymentRef],
  );
  return rowCount === 1;
}

/** A failed checkout that had a charge: its payment_ref, once known, so the void can find it. */
export async function recordFailedCharge(pool: pg.Pool, checkoutId: string, paymentRef: string): Promise<void> {
  await pool.query(`UPDATE checkouts SET payment_ref = coalesce(payment_ref, $2), updated_at = clock_timestamp() WHERE id = $1::uuid`, [
    checkoutId,
    paymentRef,
  ]);
}

export type CompleteCheckoutRow =
  | ({ outcome: "PURCHASED" | "ALREADY_COMPLETED"; purchase_id: string } & CheckoutStockRow)
  | ({ outcome: "HOLD_ENDED" | "FAILED" } & CheckoutStockRow)
  | { outcome: "NOT_FOUND" };

type CheckoutStockRow = StockRow & {
  drop_id: string;
  user_id: string;
  reservation_id: string;
  quantity: number;
  hold_created_at: Date;
  hold_expires_at: Date;
};

/** The sale: hold completed, purchase, tickets, outbox and timeline in one transaction. */
export async function callCompleteCheckout(pool: pg.Pool, checkoutId: string, confirmationCode: string, ticketCodes: string[]): Promise<CompleteCheckoutRow> {
  const { rows } = await pool.query<CompleteCheckoutRow>(
    `SELECT outcome, purchase_id::text, drop_id::text, user_id::text, reservation_id::text, quantity, hold_created_at, hold_expires_at,
            total_stock, held_stock, sold_stock, version, starts_at, ends_at, decided_at, expired
     FROM dropline_complete_checkout($1::uuid, $2, $3::text[])`,
    [checkoutId, confirmationCode, ticketCodes],
  );
  return onlyRow(rows);
}

export type FailCheckoutRow =
  | { outcome: "FAILED" | "ALREADY_ENDED"; drop_id: string; user_id: string; reservation_id: string; hold_lapsed: boolean }
  | { outcome: "NOT_FOUND" };

/** The payment will not pay: the checkout fails, the hold is the shopper's again; `hold_lapsed` says its time has already passed. */
export async function callFailCheckout(
  pool: pg.Pool,
  checkoutId: string,
  chargeStatus: "declined" | "unreachable" | "pending",
  reason: string,
): Promise<FailCheckoutRow> {
  const { rows } = await pool.query<FailCheckoutRow>(
    `SELECT outcome, drop_id::text, user_id::text, reservation_id::text, hold_lapsed FROM dropline_fail_checkout($1::uuid, $2, $3)`,
    [checkoutId, chargeStatus, reason],
  );
  return onlyRow(rows);
}

/** Releases the drop's lapsed holds now, as the sweeper would on its next pass. */
export async function callReleaseDrop(pool: pg.Pool, dropId: string): Promise<(StockRow & { drop_id: string }) | undefined> {
  const { rows } = await pool.query<StockRow & { drop_id: string }>(
    `SELECT drop_id::text, total_stock, held_stock, sold_stock, version, starts_at, ends_at, decided_at, expired FROM dropline_release_drop($1::uuid)`,
    [dropId],
  );
  return rows[0];
}

/** Marks the compensation done; true only for the one call that did (the others find it marked). */
export async function markVoided(pool: pg.Pool, checkoutId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE checkouts SET voided_at = clock_timestamp(), updated_at = clock_timestamp()
     WHERE id = $1::uuid AND status = 'failed' AND payment_ref IS NOT NULL AND voided_at IS NULL`,
    [checkoutId],
  );
  return rowCount === 1;
}

/** Appends to a hold's timeline. */
export async function appendEvent(pool: pg.Pool, reservationId: string, type: string, detail?: object): Promise<void> {
  await pool.query(`INSERT INTO hold_events (reservation_id, type, detail) VALUES ($1::uuid, $2, $3::jsonb)`, [
    reservationId,
    type,
    detail === undefined ? null : JSON.stringify(detail),
  ]);
}
