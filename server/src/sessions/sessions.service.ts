import type { Services } from "../context.js";
import { isUniqueViolation } from "../db/errors.js";
import { AppError } from "../errors.js";
import { signShopperToken } from "../auth/tokens.js";
import { toPurchase } from "../purchases/purchase-view.js";
import { toReservation } from "../stock/hold-view.js";
import type { CreateSessionInput, MeResponse, SessionResponse, UpdateMeInput, UpdateMeResponse } from "./sessions.schemas.js";
import { listOwnPurchases } from "../purchases/purchases.sql.js";
import { listOwnPreorders } from "../preorders/preorders.service.js";
import { findUser, insertUser, listOwnReservations, updateContact } from "./sessions.sql.js";

export async function createSession(services: Services, sessionSecret: string, input: CreateSessionInput): Promise<SessionResponse> {
  try {
    const user = await insertUser(services.pool, input);
    return { token: signShopperToken(sessionSecret, user), user };
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("USERNAME_TAKEN", "That username is already taken; pick another.");
    throw error;
  }
}

/** The shopper's email and phone, where order confirmations and "cart expired" notices go. */
export async function updateMe(services: Services, userId: string, change: UpdateMeInput): Promise<UpdateMeResponse> {
  const user = await updateContact(services.pool, userId, change);
  if (!user) throw new AppError("UNAUTHENTICATED", "This session is no longer valid; start a new one.");
  return { user };
}

/** The shopper's history, newest first (the latest 100 of each). */
export async function getMe(services: Services, userId: string): Promise<MeResponse> {
  const [user, reservations, purchases, preorders] = await Promise.all([
    findUser(services.pool, userId),
    listOwnReservations(services.db, userId),
    listOwnPurchases(services.db, userId),
    listOwnPreorders(services, userId),
  ]);
  if (!user) throw new AppError("UNAUTHENTICATED", "This session is no longer valid; start a new one.");
  const now = services.clock.now();
  return {
    user,
    reservations: reservations.map((r) => toReservation(r, now)),
    purchases: purchases.map(toPurchase),
    preorders,
  };
}
