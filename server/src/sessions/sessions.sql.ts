import { randomUUID } from "node:crypto";
import type { Db } from "../db/prisma.js";
import { holdColumns } from "../reservations/reservations.sql.js";
import type { HoldRow } from "../stock/hold-view.js";

/** A new shopper; usernames are unique whatever their case (usernameKey), so this may fail with a unique violation. */
export async function insertUser(db: Db, username: string) {
  return db.user.create({
    data: { id: randomUUID(), username, usernameKey: username.toLowerCase() },
    select: { id: true, username: true },
  });
}

export async function findUser(db: Db, userId: string) {
  return db.user.findUnique({ where: { id: userId }, select: { id: true, username: true } });
}

/** The shopper's latest 100 holds, newest first. */
export async function listOwnReservations(db: Db, userId: string): Promise<HoldRow[]> {
  return db.$queryRaw<HoldRow[]>`
    SELECT ${holdColumns} FROM reservations r WHERE r.user_id = ${userId}::uuid ORDER BY r.created_at DESC LIMIT 100`;
}
