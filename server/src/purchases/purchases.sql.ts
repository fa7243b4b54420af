import type { Db } from "../db/prisma.js";
import type { StockRow } from "../stock/stock.js";
import type { TopPurchaser } from "../drops/drops.schemas.js";

export interface CheckoutRow {
  drop_id: string;
  status: "active" | "completed" | "expired" | "cancelled";
  created_at: Date;
  expires_at: Date;
  amount: string;
  db_now: Date;
  purchase_id: string | null;
  purchase_quantity: number | null;
  amount_paid: string | null;
  confirmation_code: string | null;
  purchased_at: Date | null;
}

/** The hold as the shopper is about to pay for it, with its purchase if it has one. */
export async function findCheckout(db: Db, reservationId: string, userId: string): Promise<CheckoutRow | undefined> {
  const rows = await db.$queryRaw<CheckoutRow[]>`
    SELECT r.drop_id::text, r.status::text, r.created_at, r.expires_at, (r.unit_price * r.quantity)::text AS amount,
           clock_timestamp() AS db_now,
           p.id::text AS purchase_id, p.quantity AS purchase_quantity, p.amount_paid::text AS amount_paid,
           p.confirmation_code, p.created_at AS purchased_at
    FROM reservations r LEFT JOIN purchases p ON p.reservation_id = r.id
    WHERE r.id = ${reservationId}::uuid AND r.user_id = ${userId}::uuid`;
  return rows[0];
}

export type CompletePurchaseOutcome = "NOT_FOUND" | "NOT_ACTIVE" | "PURCHASED" | "ALREADY_PURCHASED";

export interface CompletePurchaseRow extends StockRow {
  outcome: CompletePurchaseOutcome;
  purchase_id: string | null;
  drop_id: string | null;
  quantity: number | null;
  amount_paid: string | null;
  confirmation_code: string | null;
  purchased_at: Date | null;
  payment_ref: string | null;
  hold_status: string | null;
}

export async function callCompletePurchase(
  db: Db,
  reservationId: string,
  userId: string,
  confirmationCode: string,
  paymentRef: string,
): Promise<CompletePurchaseRow> {
  const rows = await db.$queryRaw<CompletePurchaseRow[]>`
    SELECT c.outcome, c.purchase_id::text, c.drop_id::text, c.quantity, c.amount_paid::text AS amount_paid,
           c.confirmation_code, c.purchased_at, p.payment_ref, c.hold_status,
           c.total_stock, c.held_stock, c.sold_stock, c.version, c.starts_at, c.ends_at, c.decided_at, c.expired
    FROM dropline_complete_purchase(${reservationId}::uuid, ${userId}::uuid, ${confirmationCode}, ${paymentRef}) c
    LEFT JOIN purchases p ON p.id = c.purchase_id`;
  return rows[0]!;
}

export async function topPurchasers(db: Db, dropId: string): Promise<TopPurchaser[]> {
  const rows = await db.$queryRaw<{ username: string; quantity: number; created_at: Date }[]>`
    SELECT u.username, p.quantity, p.created_at FROM purchases p JOIN users u ON u.id = p.user_id
    WHERE p.drop_id = ${dropId}::uuid ORDER BY p.created_at DESC LIMIT 3`;
  return rows.map((row) => ({ username: row.username, quantity: row.quantity, purchasedAt: row.created_at.toISOString() }));
}
