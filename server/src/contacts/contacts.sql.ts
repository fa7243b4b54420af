import type pg from "pg";
import type { Channel } from "../notifications/templates.js";
import type { CodeTarget } from "./codes.js";
import type { ContactCodeData } from "../notifications/templates.js";

/** The two contact fields of the API, and where each lives in `users`. */
export type ContactField = "email" | "phone";

const columnsOf = {
  email: { confirmed: "email", pending: "pending_email" },
  phone: { confirmed: "phone", pending: "pending_phone" },
} as const satisfies Record<ContactField, { confirmed: string; pending: string }>;

export const channelOf = (field: ContactField): Channel => (field === "email" ? "email" : "sms");

export interface ContactState {
  /** Where messages go (users.email / users.phone): an address its owner confirmed. */
  confirmed: string | null;
  pending: string | null;
}

/**
 * The shopper's addresses on one field, the row locked until the transaction
 * ends: changes and verifications of one shopper run one after the other.
 * NO KEY UPDATE, the lock an UPDATE of these columns takes anyway, does not
 * wait on (or block) the key-share locks of holds being inserted for them.
 */
export async function lockContact(client: pg.ClientBase, userId: string, field: ContactField): Promise<ContactState | undefined> {
  const c = columnsOf[field];
  const { rows } = await client.query<ContactState>(`SELECT ${c.confirmed} AS confirmed, ${c.pending} AS pending FROM users WHERE id = $1::uuid FOR NO KEY UPDATE`, [userId]);
  return rows[0];
}

/** The address becomes the field's pending one; a confirmed address it replaces gets nothing more. */
export async function setPending(client: pg.ClientBase, userId: string, field: ContactField, address: string): Promise<void> {
  const c = columnsOf[field];
  await client.query(`UPDATE users SET ${c.confirmed} = NULL, ${c.pending} = $2 WHERE id = $1::uuid`, [userId, address]);
}

export async function clearContact(client: pg.ClientBase, userId: string, field: ContactField): Promise<void> {
  const c = columnsOf[field];
  await client.query(`UPDATE users SET ${c.confirmed} = NULL, ${c.pending} = NULL WHERE id = $1::uuid`, [userId]);
}

/** The pending address becomes where messages go. */
export async function confirmPending(client: pg.ClientBase, userId: string, field: ContactField): Promise<void> {
  const c = columnsOf[field];
  await client.query(`UPDATE users SET ${c.confirmed} = ${c.pending}, ${c.pending} = NULL WHERE id = $1::uuid AND ${c.pending} IS NOT NULL`, [userId]);
}

/** The codes of one target (same purpose, channel, shopper and address); found through contact_codes_by_address. */
const sameTarget = `purpose = $1 AND channel = $2 AND lower(address) = lower($4) AND address = $4 AND user_id IS NOT DISTINCT FROM $3::uuid`;
const targetParams = (t: CodeTarget) => [t.purpose, t.channel, t.userId, t.address];

export async function deleteCodes(client: pg.ClientBase, target: CodeTarget): Promise<void> {
  await client.query(`DELETE FROM contact_codes WHERE ${sameTarget}`, targetParams(target));
}

/** Every code of the shopper's on one channel: their address changed, so none of them may confirm anything. */
export async function deleteShopperCodes(client: pg.ClientBase, userId: string, channel: Channel): Promise<void> {
  await client.query(`DELETE FROM contact_codes WHERE user_id = $1::uuid AND channel = $2`, [userId, channel]);
}

export async function insertCode(
  client: pg.ClientBase,
  code: CodeTarget & { id: string; codeHash: string; lifetimeMinutes: number },
): Promise<void> {
  await client.query(
    `INSERT INTO contact_codes (id, purpose, channel, address, user_id, code_hash, expires_at)
     VALUES ($5::uuid, $1, $2, $4, $3::uuid, $6, clock_timestamp() + make_interval(mins => $7))`,
    [...targetParams(code), code.id, code.codeHash, code.lifetimeMinutes],
  );
}

/** The code's message, through the outbox like every other: written by this transaction, sent by the relay and the job engine. */
export async function queueCodeMessage(client: pg.ClientBase, message: CodeTarget & { data: ContactCodeData }): Promise<void> {
  await client.query(
    `INSERT INTO outbox_messages (channel, recipient, template, data, user_id) VALUES ($1, $2, 'contact_code', $3::jsonb, $4::uuid)`,
    [message.channel, message.address, JSON.stringify(message.data), message.userId],
  );
}

export interface CodeRow {
  id: string;
  codeHash: string;
  tries: number;
  used: boolean;
  expired: boolean;
}

/** The target's newest code, locked until the transaction ends. */
export async function lockLatestCode(client: pg.ClientBase, target: CodeTarget): Promise<CodeRow | undefined> {
  const { rows } = await client.query<CodeRow>(
    `SELECT id::text, code_hash AS "codeHash", tries, used_at IS NOT NULL AS used, expires_at <= clock_timestamp() AS expired
     FROM contact_codes WHERE ${sameTarget} ORDER BY created_at DESC, id LIMIT 1 FOR UPDATE`,
    targetParams(target),
  );
  return rows[0];
}

/** One try of a code, counted; a right one is used up. */
export async function recordTry(client: pg.ClientBase, id: string, right: boolean): Promise<void> {
  await client.query(`UPDATE contact_codes SET tries = tries + 1, used_at = CASE WHEN $2 THEN clock_timestamp() END WHERE id = $1::uuid`, [id, right]);
}
