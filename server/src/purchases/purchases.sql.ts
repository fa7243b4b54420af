import { onlyRow, type Db } from "../db/prisma.js";
import type { TopPurchaser } from "../drops/drops.schemas.js";
import { holdColumns } from "../reservations/reservations.sql.js";
import type { HoldRow } from "../stock/hold-view.js";
import type { StockRow } from "../stock/stock.js";

/** A purchase as every query of ours names its columns (as the purchase function does). */
export interface PurchaseRow {
  purchase_id: string;
  drop_id: string;
  reservation_id: string;
  quantity: number;
  amount_paid: string;
  confirmation_code: string;
  purchased_at: Date;
}

/** The hold as the shopper is about to pay for it, with its purchase if it has one. */
export type CheckoutRow = HoldRow & { amount: string; db_now: Date } & (PurchaseRow | { purchase_id: null });

export async function findCheckout(db: Db, reservationId: string, userId: string): Promise<CheckoutRow | undefined> {
  const [row] = await db.$queryRaw<CheckoutRow[]>`
    SELECT ${holdColumns}, (r.unit_price * r.quantity)::text AS amount, clock_timestamp() AS db_now,
           p.id::text AS purchase_id, p.reservation_id::text AS reservation_id, p.quantity,
           p.amount_paid::text AS amount_paid, p.confirmation_code, p.created_at AS purchased_at
    FROM reservations r LEFT JOIN purchases p ON p.reservation_id = r.id
    WHERE r.id = ${reservationId}::uuid AND r.user_id = ${userId}::uuid`;
  return row;
}

export type CompletePurchaseRow =
  | ({ outcome: "PURCHASED"; payment_ref: string } & PurchaseRow & StockRow)
  | ({ outcome: "ALREADY_PURCHASED"; payment_ref: string } & PurchaseRow & StockRow)
  | ({ outcome: "NOT_ACTIVE"; drop_id: string } & StockRow)
  | { outcome: "NOT_FOUND" };

export async function callCompletePurchase(
  db: Db,
  reservationId: string,
  userId: string,
  confirmationCode: string,
  paymentRef: string,
): Promise<CompletePurchaseRow> {
  // payment_ref is read inside the call, under the lock: the charge that paid for the sale.
  return onlyRow(
    await db.$queryRaw<CompletePurchaseRow[]>`
      SELECT c.outcome, c.purchase_id::text, c.drop_id::text, ${reservationId}::uuid::text AS reservation_id, c.quantity, c.amount_paid::text AS amount_paid,
             c.confirmation_code, c.purchased_at, c.payment_ref,
             c.total_stock, c.held_stock, c.sold_stock, c.version, c.starts_at, c.ends_at, c.decided_at, c.expired
      FROM dropline_complete_purchase(${reservationId}::uuid, ${userId}::uuid, ${confirmationCode}, ${paymentRef}) c`,
  );
}

export async function topPurchasers(db: Db, dropId: string): Promise<TopPurchaser[]> {
  const rows = await db.$queryRaw<{ username: string; quantity: number; created_at: Date }[]>`
    SELECT u.username, p.quantity, p.created_at FROM purchases p JOIN users u ON u.id = p.user_id
    WHERE p.drop_id = ${dropId}::uuid ORDER BY p.created_at DESC LIMIT 3`;
  return rows.map((row) => ({ username: row.username, quantity: row.quantity, purchasedAt: row.created_at.toISOString() }));
}
