import { randomUUID } from "node:crypto";
import type { Services } from "../context.js";
import { isUniqueViolation } from "../db/errors.js";
import { AppError } from "../errors.js";
import { signShopperToken } from "../auth/tokens.js";
import { toReservation } from "../reservations/reservation-view.js";
import type { CreateSessionInput, MeResponse, SessionResponse } from "./sessions.schemas.js";

export async function createSession(services: Services, sessionSecret: string, input: CreateSessionInput): Promise<SessionResponse> {
  try {
    const user = await services.db.user.create({
      data: { id: randomUUID(), username: input.username, usernameKey: input.username.toLowerCase() },
      select: { id: true, username: true },
    });
    return { token: signShopperToken(sessionSecret, user), user };
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("USERNAME_TAKEN", "That username is already taken; pick another.");
    throw error;
  }
}

/** The shopper's history, newest first (the latest 100 of each). */
export async function getMe(services: Services, userId: string): Promise<MeResponse> {
  const [user, reservations, purchases] = await Promise.all([
    services.db.user.findUnique({ where: { id: userId }, select: { id: true, username: true } }),
    services.db.reservation.findMany({
      where: { userId },
      orderBy: { createdAt: "desc" },
      take: 100,
      select: { id: true, dropId: true, quantity: true, status: true, createdAt: true, expiresAt: true },
    }),
    services.db.purchase.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, take: 100 }),
  ]);
  if (!user) throw new AppError("UNAUTHENTICATED", "This session is no longer valid; start a new one.");
  const now = services.clock.now();
  return {
    user,
    reservations: reservations.map((r) => toReservation(r, now)),
    purchases: purchases.map((p) => ({
      id: p.id,
      dropId: p.dropId,
      reservationId: p.reservationId,
      quantity: p.quantity,
      amountPaid: p.amountPaid.toFixed(2),
      confirmationCode: p.confirmationCode,
      createdAt: p.createdAt.toISOString(),
    })),
  };
}
