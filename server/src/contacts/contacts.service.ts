import type pg from "pg";
import { withTransaction } from "../db/transaction.js";
import { AppError, sessionGone } from "../errors.js";
import type { CodeBudgets } from "./code-limits.js";
import { checkCode, issueCode, type CodeTarget } from "./codes.js";
import { channelOf, clearContact, confirmPending, deleteShopperCodes, lockContact, setPending, type ContactField } from "./contacts.sql.js";

/** What setting an address needs besides the database: the key codes are hashed with, the code budgets, and who asks from where. */
export interface ContactContext {
  secret: string;
  budgets: CodeBudgets;
  userId: string;
  ipKey: string;
}

/** A change of contact details: a field left out stays as it is, null clears it. */
export type ContactChange = Partial<Record<ContactField, string | null>>;

const fields: ContactField[] = ["email", "phone"];

/**
 * Applies a change to the shopper's contact details in the caller's
 * transaction. A new address is pending (it gets nothing but its code) until
 * its code is entered; setting the pending address again sends a new code,
 * the confirmed one again changes nothing, null clears both. A code goes out
 * only within the budgets (code-limits.ts); a refusal throws before anything
 * is written, so the caller's transaction rolls the whole request back.
 * Resolves false when the shopper no longer exists.
 */
export async function applyContactChange(client: pg.ClientBase, context: ContactContext, change: ContactChange): Promise<boolean> {
  for (const field of fields) {
    const address = change[field];
    if (address === undefined) continue;
    const state = await lockContact(client, context.userId, field);
    if (!state) return false;
    const channel = channelOf(field);
    if (address === null) {
      await clearContact(client, context.userId, field);
      await deleteShopperCodes(client, context.userId, channel);
      continue;
    }
    if (address === state.confirmed) continue;
    const sendCode = await context.budgets.take({ userId: context.userId, channel, address, ipKey: context.ipKey });
    if (address !== state.pending) {
      await setPending(client, context.userId, field, address);
      await deleteShopperCodes(client, context.userId, channel);
    }
    if (sendCode) await issueCode(client, context.secret, confirmTarget(context.userId, field, address));
  }
  return true;
}

/**
 * Checks a code for the shopper's pending address on `field` and, when it is
 * right, makes that address the one messages go to. A wrong try is committed
 * (it counts) before the refusal is thrown.
 */
export async function verifyContactCode(pool: pg.Pool, secret: string, userId: string, field: ContactField, code: string): Promise<void> {
  const outcome = await withTransaction(pool, async (client) => {
    const state = await lockContact(client, userId, field);
    if (!state) return "gone" as const;
    if (!state.pending) return "wrong" as const;
    const check = await checkCode(client, secret, confirmTarget(userId, field, state.pending), code);
    if (check === "right") await confirmPending(client, userId, field);
    return check;
  });
  if (outcome === "gone") throw sessionGone();
  if (outcome === "spent") {
    throw new AppError("RATE_LIMITED", `Too many wrong codes: this one no longer works. Set the ${field === "email" ? "email" : "phone number"} again to get a new code.`);
  }
  if (outcome === "wrong") throw new AppError("CODE_INVALID", "That code is wrong, used or expired. Check the latest code sent, or ask for a new one.");
}

const confirmTarget = (userId: string, field: ContactField, address: string): CodeTarget => ({ purpose: "confirm", channel: channelOf(field), address, userId });
