import type { Db } from "../db/prisma.js";
import type { StockRow } from "../stock/stock.js";

export type TakeHoldOutcome = "DROP_NOT_FOUND" | "DROP_NOT_LIVE" | "EXISTING" | "LIMIT_EXCEEDED" | "OUT_OF_STOCK" | "CREATED";

export interface TakeHoldRow extends StockRow {
  outcome: TakeHoldOutcome;
  hold_id: string | null;
  hold_quantity: number | null;
  hold_created_at: Date | null;
  hold_expires_at: Date | null;
}

/** The hot path: one round trip; the drop row is locked only inside the database. */
export async function callTakeHold(db: Db, dropId: string, userId: string, quantity: number): Promise<TakeHoldRow> {
  const rows = await db.$queryRaw<TakeHoldRow[]>`
    SELECT * FROM dropline_take_hold(${dropId}::uuid, ${userId}::uuid, ${quantity}::int)`;
  return rows[0]!;
}

export type ReleaseHoldOutcome = "NOT_FOUND" | "NOT_ACTIVE" | "CANCELLED";

export interface ReleaseHoldRow extends StockRow {
  outcome: ReleaseHoldOutcome;
  drop_id: string | null;
  hold_quantity: number | null;
  hold_status: "active" | "completed" | "expired" | "cancelled" | null;
  hold_created_at: Date | null;
  hold_expires_at: Date | null;
}

export async function callReleaseHold(db: Db, reservationId: string, userId: string): Promise<ReleaseHoldRow> {
  const rows = await db.$queryRaw<ReleaseHoldRow[]>`
    SELECT * FROM dropline_release_hold(${reservationId}::uuid, ${userId}::uuid)`;
  return rows[0]!;
}

export interface ReservationDbRow {
  id: string;
  drop_id: string;
  quantity: number;
  status: "active" | "completed" | "expired" | "cancelled";
  created_at: Date;
  expires_at: Date;
  db_now: Date;
}

export async function findOwnReservation(db: Db, reservationId: string, userId: string): Promise<ReservationDbRow | undefined> {
  const rows = await db.$queryRaw<ReservationDbRow[]>`
    SELECT id::text, drop_id::text, quantity, status::text, created_at, expires_at, clock_timestamp() AS db_now
    FROM reservations WHERE id = ${reservationId}::uuid AND user_id = ${userId}::uuid`;
  return rows[0];
}

export const recordOf = (row: ReservationDbRow) => ({
  id: row.id,
  dropId: row.drop_id,
  quantity: row.quantity,
  status: row.status,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});
