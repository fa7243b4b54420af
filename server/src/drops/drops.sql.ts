import type pg from "pg";
import { Prisma } from "../generated/prisma/client.js";
import { onlyRow, type Db } from "../db/prisma.js";
import { holdColumns } from "../reservations/reservations.sql.js";
import type { HoldRow } from "../stock/hold-view.js";
import { findEntries, type EntryRow } from "../queue/queue.sql.js";
import type { ExpiredHoldJson, StockRow } from "../stock/stock.js";

export interface DropRow {
  id: string;
  name: string;
  price: string;
  total_stock: number;
  held_stock: number;
  sold_stock: number;
  starts_at: Date;
  ends_at: Date | null;
  hold_seconds: number;
  max_per_user: number;
  image_url: string | null;
  description: string | null;
  version: number;
  /** The waiting room, when the drop has one (queue_admit_per_second is null otherwise). */
  queue_admit_per_second: number | null;
  queue_admission_seconds: number;
  queue_opens_at: Date;
  queue_drawn: boolean;
  queue_closed: boolean;
  queue_length: number;
  queue_admitted_through: number;
  top_purchasers: { username: string; quantity: number; purchasedAt: string }[];
  /** Pre-order drops only (null otherwise). */
  release_at: Date | null;
  fulfill_grace_seconds: number | null;
  pickup_reminder_seconds: number | null;
  /** When it stops selling: ends_at, or a pre-order drop's fulfil-by time if earlier. */
  orders_end: Date | null;
  db_now: Date;
}

/**
 * When the drop stops selling: its ends_at, or for a pre-order drop its
 * fulfil-by time (releaseAt + grace) if earlier, as dropline_orders_end says.
 */
const ordersEnd = Prisma.sql`least(d.ends_at, ps.release_at + make_interval(secs => ps.fulfill_grace_seconds))`;

/**
 * Drops as shoppers see them. Holds past their deadline are not counted as held
 * even before the sweeper releases them (a partial-index look-up per drop).
 */
function selectDropViews(where: Prisma.Sql, limit: number) {
  return Prisma.sql`
    SELECT d.id::text, d.name, d.price::text AS price, d.total_stock,
           d.held_stock - coalesce(lapsed.quantity, 0) AS held_stock, d.sold_stock,
           d.starts_at, d.ends_at, d.hold_seconds, d.max_per_user, d.image_url, d.description, d.version,
           q.admit_per_second AS queue_admit_per_second, q.admission_seconds AS queue_admission_seconds,
           least(coalesce(q.opens_at, d.starts_at - interval '15 minutes'), d.starts_at) AS queue_opens_at,
           q.shuffled_at IS NOT NULL AS queue_drawn, q.closed_at IS NOT NULL AS queue_closed,
           q.length AS queue_length, q.admitted_through AS queue_admitted_through,
           coalesce(top.list, '[]'::jsonb) AS top_purchasers,
           ps.release_at, ps.fulfill_grace_seconds, ps.pickup_reminder_seconds, ${ordersEnd} AS orders_end,
           clock_timestamp() AS db_now
    FROM drops d
    LEFT JOIN drop_queues q ON q.drop_id = d.id
    LEFT JOIN preorder_settings ps ON ps.drop_id = d.id
    LEFT JOIN LATERAL (
      SELECT sum(r.quantity)::int AS quantity FROM reservations r
      WHERE r.drop_id = d.id AND r.status = 'active' AND r.expires_at <= now() AND (r.payment_until IS NULL OR r.payment_until <= now())
    ) lapsed ON true
    LEFT JOIN LATERAL (
      SELECT jsonb_agg(jsonb_build_object('username', u.username, 'quantity', p.quantity, 'purchasedAt', p.created_at)
                       ORDER BY p.created_at DESC) AS list
      FROM (SELECT user_id, quantity, created_at FROM purchases
            WHERE drop_id = d.id ORDER BY created_at DESC LIMIT 3) p
      JOIN users u ON u.id = p.user_id
    ) top ON true
    WHERE ${where}
    ORDER BY d.starts_at, d.created_at, d.id
    LIMIT ${limit}`;
}

export async function findDropRow(db: Db, dropId: string): Promise<DropRow | undefined> {
  const rows = await db.$queryRaw<DropRow[]>(selectDropViews(Prisma.sql`d.id = ${dropId}::uuid`, 1));
  return rows[0];
}

export async function listDropRows(db: Db, includeEnded: boolean): Promise<DropRow[]> {
  const where = includeEnded ? Prisma.sql`true` : Prisma.sql`(${ordersEnd} IS NULL OR ${ordersEnd} > now())`;
  return db.$queryRaw<DropRow[]>(selectDropViews(where, 500));
}

/** A new drop with every default already decided. */
export interface NewDrop {
  name: string;
  price: string;
  totalStock: number;
  startsAt: Date;
  endsAt: Date | null;
  holdSeconds: number;
  maxPerUser: number;
  imageUrl: string | null;
  description: string | null;
}

export async function insertDrop(db: Db | Prisma.TransactionClient, drop: NewDrop): Promise<string> {
  const row = await db.drop.create({ data: drop, select: { id: true } });
  return row.id;
}

export interface ShopperDropState {
  holds: HoldRow[];
  purchased: { drop_id: string; quantity: number }[];
  entries: (EntryRow & { drop_id: string })[];
}

/** The shopper's live holds, purchased quantities and places in line, for the `my*` fields of drop views. */
export async function findShopperState(db: Db, pool: pg.Pool, userId: string, dropIds: string[]): Promise<ShopperDropState> {
  if (dropIds.length === 0) return { holds: [], purchased: [], entries: [] };
  const ids = Prisma.join(dropIds.map((id) => Prisma.sql`${id}::uuid`));
  const [holds, purchased, entries] = await Promise.all([
    db.$queryRaw<ShopperDropState["holds"]>`
      SELECT ${holdColumns} FROM reservations r
      WHERE r.user_id = ${userId}::uuid AND r.status = 'active' AND (r.expires_at > now() OR r.payment_until > now())
        AND r.drop_id IN (${ids})`,
    db.$queryRaw<ShopperDropState["purchased"]>`
      SELECT drop_id::text, sum(quantity)::int AS quantity FROM purchases
      WHERE user_id = ${userId}::uuid AND drop_id IN (${ids}) GROUP BY drop_id`,
    findEntries(pool, userId, dropIds),
  ]);
  return { holds, purchased, entries };
}

/** A hold whose deadline an edit brought forward to the drop's new end, still running (a payment may protect it). */
export interface ShortenedHoldJson extends ExpiredHoldJson {
  paymentUntil: string | null;
}

export type UpdateDropRow =
  | ({ outcome: "UPDATED" | "ENDS_BEFORE_START" | "STOCK_BELOW_COMMITTED"; committed: number | null; shortened: ShortenedHoldJson[] } & StockRow)
  | { outcome: "DROP_NOT_FOUND" };

/**
 * An admin edit, as one stock function like every other stock change. `patch`
 * holds the fields to change under their API names; null clears a field.
 */
export async function callUpdateDrop(db: Db | Prisma.TransactionClient, dropId: string, patch: Record<string, unknown>): Promise<UpdateDropRow> {
  return onlyRow(
    await db.$queryRaw<UpdateDropRow[]>`
      SELECT * FROM dropline_update_drop(${dropId}::uuid, ${JSON.stringify(patch)}::jsonb)`,
  );
}
