import type { Services } from "../context.js";
import { withTransaction } from "../db/transaction.js";
import { isUniqueViolation } from "../db/errors.js";
import { AppError, sessionGone } from "../errors.js";
import { signShopperToken } from "../auth/tokens.js";
import type { CodeBudgets } from "../contacts/code-limits.js";
import { applyContactChange, verifyContactCode } from "../contacts/contacts.service.js";
import type { ContactField } from "../contacts/contacts.sql.js";
import { toPurchase } from "../purchases/purchase-view.js";
import { toReservation } from "../stock/hold-view.js";
import type { CreateSessionInput, MeResponse, SessionResponse, UpdateMeInput, UpdateMeResponse } from "./sessions.schemas.js";
import { listOwnPurchases } from "../purchases/purchases.sql.js";
import { listOwnPreorders } from "../preorders/preorders.service.js";
import { findUser, insertUser, listOwnReservations } from "./sessions.sql.js";

/** What a change of contact details needs: the key codes are hashed with, the code budgets, and the client's IP (as the limits key it). */
export interface ContactRequest {
  sessionSecret: string;
  budgets: CodeBudgets;
  ipKey: string;
}

/** A new shopper; an email or phone given is pending, and its code is queued in the same transaction as the shopper. */
export async function createSession(services: Services, request: ContactRequest, input: CreateSessionInput): Promise<SessionResponse> {
  // null is "not given" here: a new shopper has nothing to clear.
  const contact = { email: input.email ?? undefined, phone: input.phone ?? undefined };
  try {
    const user =
      contact.email === undefined && contact.phone === undefined
        ? await insertUser(services.pool, input.username)
        : await withTransaction(services.pool, async (client) => {
            const created = await insertUser(client, input.username);
            await applyContactChange(client, { secret: request.sessionSecret, budgets: request.budgets, ipKey: request.ipKey, userId: created.id }, contact);
            return (await findUser(client, created.id))!;
          });
    return { token: signShopperToken(request.sessionSecret, user), user };
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("USERNAME_TAKEN", "That username is already taken; pick another.");
    throw error;
  }
}

/**
 * The shopper's email and phone, where order confirmations and "cart expired"
 * notices go once confirmed: a new address is sent a code and gets nothing
 * else until POST /api/me/<field>/verify.
 */
export async function updateMe(services: Services, request: ContactRequest, userId: string, change: UpdateMeInput): Promise<UpdateMeResponse> {
  const user = await withTransaction(services.pool, async (client) => {
    const found = await applyContactChange(client, { secret: request.sessionSecret, budgets: request.budgets, ipKey: request.ipKey, userId }, change);
    return found ? findUser(client, userId) : undefined;
  });
  if (!user) throw sessionGone();
  return { user };
}

/** Confirms the pending address on `field` with the code sent to it. */
export async function verifyContact(services: Services, sessionSecret: string, userId: string, field: ContactField, code: string): Promise<UpdateMeResponse> {
  await verifyContactCode(services.pool, sessionSecret, userId, field, code);
  const user = await findUser(services.pool, userId);
  if (!user) throw sessionGone();
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
  if (!user) throw sessionGone();
  const now = services.clock.now();
  return {
    user,
    reservations: reservations.map((r) => toReservation(r, now)),
    purchases: purchases.map(toPurchase),
    preorders,
  };
}
