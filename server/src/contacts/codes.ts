import { createHmac, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import type { Channel } from "../notifications/templates.js";
import { deleteCodes, insertCode, lockLatestCode, queueCodeMessage, recordTry } from "./contacts.sql.js";

/**
 * How long a code works. Ten minutes is enough to switch to the mail app or
 * wait for a slow text; a code read later from a leaked mailbox or the outbox
 * is worthless. (Constants here, not settings: they are part of what the
 * contract promises about a code.)
 */
export const CODE_LIFETIME_MINUTES = 10;
/** Wrong tries one code takes before it is spent: five guesses in a million per code sent. */
export const CODE_TRIES = 5;

/** What a code proves: an address of a signed-in shopper (`confirm`); `sign_in` is for signing in by a code sent to an address. */
export type CodePurpose = "confirm";

/** Whom a code is for: it only ever works for the same purpose, channel, shopper and address. */
export interface CodeTarget {
  purpose: CodePurpose;
  channel: Channel;
  address: string;
  /** The shopper who asked; null for a code sent to an address before anyone is signed in. */
  userId: string | null;
}

export type CodeCheck = "right" | "wrong" | "spent";

/** Six digits, uniformly drawn from a CSPRNG; leading zeros kept. */
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, "0");

/**
 * The stored form of a code: an HMAC keyed with the server's secret over the
 * row's id and the code. Six digits hashed without a key would fall to a
 * table of a million entries; keyed, the table alone gives nothing away.
 */
export function hashCode(secret: string, codeId: string, code: string): string {
  return createHmac("sha256", secret).update(`dropline contact code\n${codeId}\n${code}`).digest("hex");
}

/**
 * Sends a new code to the target's address, in the caller's transaction: the
 * row (hashed) and its outbox message commit together with the change that
 * asked for it, or not at all. It replaces the target's earlier codes: only
 * the newest works.
 */
export async function issueCode(client: pg.ClientBase, secret: string, target: CodeTarget): Promise<void> {
  const id = randomUUID();
  const code = newCode();
  await deleteCodes(client, target);
  await insertCode(client, { ...target, id, codeHash: hashCode(secret, id, code), lifetimeMinutes: CODE_LIFETIME_MINUTES });
  await queueCodeMessage(client, { ...target, data: { code, purpose: target.purpose, minutes: CODE_LIFETIME_MINUTES } });
}

/**
 * Checks a code against the target's newest one, in the caller's transaction
 * (the row is locked, so two tries at once are counted one after the other).
 * `wrong` for no code, an expired or used one, or the wrong digits; `spent`
 * once CODE_TRIES wrong tries have been made, whatever is tried next. A right
 * code is marked used: it works once.
 */
export async function checkCode(client: pg.ClientBase, secret: string, target: CodeTarget, code: string): Promise<CodeCheck> {
  const row = await lockLatestCode(client, target);
  if (!row || row.used || row.expired) return "wrong";
  if (row.tries >= CODE_TRIES) return "spent";
  const right = timingSafeEqual(Buffer.from(hashCode(secret, row.id, code), "hex"), Buffer.from(row.codeHash, "hex"));
  await recordTry(client, row.id, right);
  return right ? "right" : "wrong";
}
