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
}

const userColumns = `id::text, username, email, phone`;

/** A new shopper; usernames are unique whatever their case (username_key), so this may fail with a unique violation. */
export async function insertUser(pool: pg.Pool, user: { username: string; email?: string | null; phone?: string | null }): Promise<UserRow> {
  const { rows } = await pool.query<UserRow>(
    `INSERT INTO users (id, username, username_key, email, phone) VALUES ($1::uuid, $2, $3, $4, $5) RETURNING ${userColumns}`,
    [randomUUID(), user.username, user.username.toLowerCase(), user.email ?? null, user.phone ?? null],
  );
  return rows[0]!;
}

export async function findUser(pool: pg.Pool, userId: string): Promise<UserRow | undefined> {
  const { rows } = await pool.query<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $1::uuid`, [userId]);
  return rows[0];
}

/** Sets the fields given (null clears one) and leaves the others; undefined when the shopper is gone. */
export async function updateContact(pool: pg.Pool, userId: string, change: { email?: string | null; phone?: string | null }): Promise<UserRow | undefined> {
  const { rows } = await pool.query<UserRow>(
    `UPDATE users SET email = CASE WHEN $2 THEN $3 ELSE email END, phone = CASE WHEN $4 THEN $5 ELSE phone END
     WHERE id = $1::uuid RETURNING ${userColumns}`,
    [userId, change.email !== undefined, change.email ?? null, change.phone !== undefined, change.phone ?? null],
  );
  return rows[0];
}

/** The shopper's latest 100 holds, newest first. */
export async function listOwnReservations(db: Db, userId: string): Promise<HoldRow[]> {
  return db.$queryRaw<HoldRow[]>`
    SELECT ${holdColumns} FROM reservations r WHERE r.user_id = ${userId}::uuid ORDER BY r.created_at DESC LIMIT 100`;
}
