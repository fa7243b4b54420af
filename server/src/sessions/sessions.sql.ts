import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Db } from "../db/prisma.js";
import { holdColumns } from "../reservations/reservations.sql.js";
import type { HoldRow } from "../stock/hold-view.js";

export interface UserRow {
  id: string;
  username: string;
  email: string | null;
  phone: string | null;
  emailConfirmed: boolean;
  phoneConfirmed: boolean;
}

/** The address the shopper set on each field, confirmed (users.email) or pending, and which of the two it is. */
const userColumns = `id::text, username, coalesce(email, pending_email) AS email, coalesce(phone, pending_phone) AS phone,
  email IS NOT NULL AS "emailConfirmed", phone IS NOT NULL AS "phoneConfirmed"`;

/** A new shopper, without contact details (contacts/ sets those); usernames are unique whatever their case (username_key), so this may fail with a unique violation. */
export async function insertUser(db: pg.Pool | pg.ClientBase, username: string): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(`INSERT INTO users (id, username, username_key) VALUES ($1::uuid, $2, $3) RETURNING ${userColumns}`, [
    randomUUID(),
    username,
    username.toLowerCase(),
  ]);
  return rows[0]!;
}

export async function findUser(db: pg.Pool | pg.ClientBase, userId: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $1::uuid`, [userId]);
  return rows[0];
}

/** The shopper's latest 100 holds, newest first. */
export async function listOwnReservations(db: Db, userId: string): Promise<HoldRow[]> {
  return db.$queryRaw<HoldRow[]>`
    SELECT ${holdColumns} FROM reservations r WHERE r.user_id = ${userId}::uuid ORDER BY r.created_at DESC LIMIT 100`;
}
