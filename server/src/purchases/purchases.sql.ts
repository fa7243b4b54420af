import { Prisma } from "../generated/prisma/client.js";
import type { Db } from "../db/prisma.js";
import type { TopPurchaser } from "../drops/drops.schemas.js";
import type { PurchaseViewRow } from "./purchase-view.js";

const viewColumns = Prisma.sql`
  v.id::text, v.user_id::text, v.drop_id::text, v.reservation_id::text, v.quantity, v.amount_paid::text AS amount_paid,
  v.confirmation_code, v.created_at, v.status, v.failure_reason, v.tickets`;

export async function findPurchase(db: Db, purchaseId: string): Promise<PurchaseViewRow | undefined> {
  const [row] = await db.$queryRaw<PurchaseViewRow[]>`SELECT ${viewColumns} FROM purchase_views v WHERE v.id = ${purchaseId}::uuid`;
  return row;
}

/** The shopper's latest 100 purchases (processing or completed), newest first. */
export async function listOwnPurchases(db: Db, userId: string): Promise<PurchaseViewRow[]> {
  return db.$queryRaw<PurchaseViewRow[]>`
    SELECT ${viewColumns} FROM purchase_views v
    WHERE v.user_id = ${userId}::uuid AND v.status <> 'failed' ORDER BY v.created_at DESC LIMIT 100`;
}

export async function topPurchasers(db: Db, dropId: string): Promise<TopPurchaser[]> {
  const rows = await db.$queryRaw<{ username: string; quantity: number; created_at: Date }[]>`
    SELECT u.username, p.quantity, p.created_at FROM purchases p JOIN users u ON u.id = p.user_id
    WHERE p.drop_id = ${dropId}::uuid ORDER BY p.created_at DESC LIMIT 3`;
  return rows.map((row) => ({ username: row.username, quantity: row.quantity, purchasedAt: row.created_at.toISOString() }));
}
