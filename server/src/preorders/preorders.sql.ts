import type pg from "pg";
import { onlyRow, type Db } from "../db/prisma.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { StockRow } from "../stock/stock.js";
import type { CompensationStep, PreorderStatus } from "./preorders.schemas.js";

/** A pre-order as every query of ours reads it. */
export interface PreorderRow {
  id: string;
  drop_id: string;
  user_id: string;
  username: string;
  quantity: number;
  amount: string;
  method: string;
  status: PreorderStatus;
  failure_reason: string | null;
  payment_ref: string | null;
  reserved_at: Date | null;
  units_released_at: Date | null;
  refunded_at: Date | null;
  release_at: Date;
  fulfill_by: Date;
  pickup_reminder_seconds: number;
  reminders_sent: number;
  created_at: Date;
  updated_at: Date;
  drop_name: string;
}

const columns = `
  o.id::text, o.drop_id::text, o.user_id::text, u.username, o.quantity, o.amount::text AS amount, o.method, o.status::text AS status,
  o.failure_reason, o.payment_ref, o.reserved_at, o.units_released_at, o.refunded_at, o.release_at, o.fulfill_by,
  o.pickup_reminder_seconds, o.reminders_sent, o.created_at, o.updated_at, d.name AS drop_name`;
const from = `FROM preorders o JOIN users u ON u.id = o.user_id JOIN drops d ON d.id = o.drop_id`;

export interface PreorderDropRow {
  id: string;
  price: string;
  max_per_user: number;
  starts_at: Date;
  ends_at: Date | null;
  release_at: Date | null;
  fulfill_grace_seconds: number | null;
  pickup_reminder_seconds: number | null;
  /** release_at + fulfill_grace_seconds: the latest an order may start fulfilment (null for other drops). */
  fulfill_by: Date | null;
  db_now: Date;
}

export async function findPreorderDrop(pool: pg.Pool, dropId: string): Promise<PreorderDropRow | undefined> {
  const { rows } = await pool.query<PreorderDropRow>(
    `SELECT d.id::text, d.price::text AS price, d.max_per_user, d.starts_at, d.ends_at,
            s.release_at, s.fulfill_grace_seconds, s.pickup_reminder_seconds,
            s.release_at + make_interval(secs => s.fulfill_grace_seconds) AS fulfill_by, clock_timestamp() AS db_now
     FROM drops d LEFT JOIN preorder_settings s ON s.drop_id = d.id WHERE d.id = $1::uuid`,
    [dropId],
  );
  return rows[0];
}

export async function insertPreorder(
  client: pg.ClientBase,
  order: { dropId: string; userId: string; quantity: number; unitPrice: string; method: string; releaseAt: Date; graceSeconds: number; reminderSeconds: number },
): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO preorders (drop_id, user_id, quantity, amount, method, release_at, fulfill_by, pickup_reminder_seconds)
     VALUES ($1::uuid, $2::uuid, $3::int, $4::numeric * $3::int, $5, $6::timestamptz, $6::timestamptz + make_interval(secs => $7::int), $8::int)
     RETURNING id::text`,
    [order.dropId, order.userId, order.quantity, order.unitPrice, order.method, order.releaseAt, order.graceSeconds, order.reminderSeconds],
  );
  return onlyRow(rows).id;
}

export async function findPreorder(pool: pg.Pool | pg.ClientBase, id: string): Promise<PreorderRow | undefined> {
  const { rows } = await pool.query<PreorderRow>(`SELECT ${columns} ${from} WHERE o.id = $1::uuid`, [id]);
  return rows[0];
}

/** The shopper's orders, newest first (the rejected ones too: the shopper should see a refusal). */
export async function listUserPreorders(pool: pg.Pool, userId: string): Promise<PreorderRow[]> {
  const { rows } = await pool.query<PreorderRow>(`SELECT ${columns} ${from} WHERE o.user_id = $1::uuid ORDER BY o.created_at DESC LIMIT 100`, [userId]);
  return rows;
}

export async function listPreorders(pool: pg.Pool, filter: { dropId?: string; status?: PreorderStatus }): Promise<PreorderRow[]> {
  const { rows } = await pool.query<PreorderRow>(
    `SELECT ${columns} ${from}
     WHERE ($1::uuid IS NULL OR o.drop_id = $1::uuid) AND ($2::preorder_status IS NULL OR o.status = $2::preorder_status)
     ORDER BY o.created_at DESC LIMIT 1000`,
    [filter.dropId ?? null, filter.status ?? null],
  );
  return rows;
}

/**
 * Moves an order from one of `from` to `to`, or does nothing: the one place a
 * status changes, so a cancel racing the deadline and a checkpoint has one
 * winner (the row's lock decides, the others find it moved).
 */
export async function moveStatus(
  db: pg.Pool | pg.ClientBase,
  id: string,
  from: readonly PreorderStatus[],
  to: PreorderStatus,
  extra: { failureReason?: string; paymentRef?: string } = {},
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE preorders SET status = $3::preorder_status, updated_at = clock_timestamp(),
            failure_reason = coalesce($4, failure_reason), payment_ref = coalesce($5, payment_ref)
     WHERE id = $1::uuid AND status = ANY($2::preorder_status[])`,
    [id, from, to, extra.failureReason ?? null, extra.paymentRef ?? null],
  );
  return rowCount === 1;
}

export type ReserveRow = { outcome: "RESERVED" | "NOT_PAID" | "DROP_NOT_LIVE" | "LIMIT_EXCEEDED" | "OUT_OF_STOCK"; drop_id: string; preorder_status: PreorderStatus } & StockRow;

export async function callReservePreorder(client: pg.ClientBase, id: string): Promise<ReserveRow | { outcome: "NOT_FOUND" }> {
  const { rows } = await client.query<ReserveRow>(
    `SELECT outcome, drop_id::text, preorder_status, total_stock, held_stock, sold_stock, version, starts_at, ends_at, decided_at, expired
     FROM dropline_reserve_preorder($1::uuid)`,
    [id],
  );
  return onlyRow(rows);
}

export type ReleaseUnitsRow = { outcome: "RELEASED" | "NOTHING_TO_RELEASE"; drop_id: string } & StockRow;

export async function callReleasePreorderUnits(pool: pg.Pool, id: string): Promise<ReleaseUnitsRow | { outcome: "NOT_FOUND" }> {
  const { rows } = await pool.query<ReleaseUnitsRow>(
    `SELECT outcome, drop_id::text, total_stock, held_stock, sold_stock, version, starts_at, ends_at, decided_at, expired
     FROM dropline_release_preorder_units($1::uuid)`,
    [id],
  );
  return onlyRow(rows);
}

/** The refund went through: marked, and logged as done, in one statement (only the first caller's counts). */
export async function markRefunded(pool: pg.Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `WITH marked AS (
       UPDATE preorders SET refunded_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE id = $1::uuid AND payment_ref IS NOT NULL AND refunded_at IS NULL RETURNING id
     )
     INSERT INTO preorder_compensations (preorder_id, step, status, attempt)
     SELECT m.id, 'refund_payment', 'done',
            (SELECT count(*)::int + 1 FROM preorder_compensations pc WHERE pc.preorder_id = m.id AND pc.step = 'refund_payment')
     FROM marked m`,
    [id],
  );
  return rowCount === 1;
}

/** Units of this shopper's open orders on the drop (set aside, not given back). */
/** Serialises one shopper's new orders of one drop until the transaction ends (a namespace of its own among the advisory locks). */
export async function lockShopperOrders(client: pg.ClientBase, dropId: string, userId: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(1146244947, hashtext($1 || ':' || $2))`, [dropId, userId]);
}

export async function openPreorderUnits(pool: pg.Pool | pg.ClientBase, dropId: string, userId: string): Promise<number> {
  const { rows } = await pool.query<{ units: number }>(
    `SELECT coalesce(sum(quantity), 0)::int AS units FROM preorders
     WHERE drop_id = $1::uuid AND user_id = $2::uuid AND status IN ('placed', 'paid', 'reserved', 'awaiting_fulfillment', 'fulfilling', 'picked_up', 'delivered')`,
    [dropId, userId],
  );
  return rows[0]?.units ?? 0;
}

export interface CompensationEntryRow {
  preorder_id: string;
  step: CompensationStep;
  status: "done" | "failed";
  attempt: number;
  at: Date;
  error: string | null;
}

/** Appends one attempt of a compensation step, numbered after the step's earlier attempts. */
export async function logCompensation(pool: pg.Pool, id: string, step: CompensationStep, status: "done" | "failed", error?: string): Promise<void> {
  await pool.query(
    `INSERT INTO preorder_compensations (preorder_id, step, status, attempt, error)
     SELECT $1::uuid, $2::varchar, $3::varchar, count(*)::int + 1, $4::varchar
     FROM preorder_compensations WHERE preorder_id = $1::uuid AND step = $2::varchar`,
    [id, step, status, error?.slice(0, 500) ?? null],
  );
}

export async function compensationEntries(pool: pg.Pool, ids: string[]): Promise<CompensationEntryRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<CompensationEntryRow>(
    `SELECT preorder_id::text, step, status, attempt, at, error FROM preorder_compensations WHERE preorder_id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
  return rows;
}

/**
 * Claims reminder number `n` of an order still being fulfilled and queues its
 * email and SMS, in the caller's transaction: a reminder job run twice (a
 * retry, a second process) finds it claimed and sends nothing more.
 */
export async function claimReminder(client: pg.ClientBase, id: string, n: number): Promise<boolean> {
  const { rows } = await client.query<{ user_id: string }>(
    `UPDATE preorders SET reminders_sent = $2 WHERE id = $1::uuid AND status = 'fulfilling' AND reminders_sent = $2 - 1 RETURNING user_id::text`,
    [id, n],
  );
  if (rows.length === 0) return false;
  await client.query(
    `INSERT INTO outbox_messages (channel, recipient, template, data, user_id)
     SELECT m.channel, m.recipient, 'pickup_reminder',
            jsonb_build_object('dropName', d.name, 'preorderId', o.id, 'username', u.username, 'quantity', o.quantity, 'reminder', $2::int),
            o.user_id
     FROM preorders o JOIN users u ON u.id = o.user_id JOIN drops d ON d.id = o.drop_id,
          LATERAL (VALUES ('email', u.email), ('sms', u.phone)) AS m(channel, recipient)
     WHERE o.id = $1::uuid AND m.recipient IS NOT NULL`,
    [id, n],
  );
  return true;
}

/** A drop's pre-order settings (creating them makes it a pre-order drop); unset fields keep their value or default. */
export async function setPreorderSettings(
  db: Db | Prisma.TransactionClient,
  dropId: string,
  settings: { releaseAt?: Date; fulfillGraceSeconds?: number; pickupReminderSeconds?: number },
): Promise<void> {
  const releaseAt = settings.releaseAt ?? null;
  const grace = settings.fulfillGraceSeconds ?? null;
  const reminder = settings.pickupReminderSeconds ?? null;
  await db.$executeRaw`
    INSERT INTO preorder_settings (drop_id, release_at, fulfill_grace_seconds, pickup_reminder_seconds)
    VALUES (${dropId}::uuid, ${releaseAt}::timestamptz, coalesce(${grace}::int, 604800), coalesce(${reminder}::int, 86400))
    ON CONFLICT (drop_id) DO UPDATE SET
      release_at = coalesce(${releaseAt}::timestamptz, preorder_settings.release_at),
      fulfill_grace_seconds = coalesce(${grace}::int, preorder_settings.fulfill_grace_seconds),
      pickup_reminder_seconds = coalesce(${reminder}::int, preorder_settings.pickup_reminder_seconds)`;
}
