import { randomUUID } from "node:crypto";
import type { Db } from "../db/prisma.js";

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
export async function listOwnReservations(db: Db, userId: string) {
  return db.reservation.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    take: 100,
    select: { id: true, dropId: true, quantity: true, status: true, createdAt: true, expiresAt: true },
  });
}

/** The shopper's latest 100 purchases, newest first. */
export async function listOwnPurchases(db: Db, userId: string) {
  return db.purchase.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, take: 100 });
}
