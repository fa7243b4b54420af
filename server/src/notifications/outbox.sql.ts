import type pg from "pg";
import type { Channel } from "./templates.js";

export type OutboxStatus = "pending" | "sent" | "failed";

export interface OutboxRow {
  id: string;
  channel: Channel;
  recipient: string;
  template: string;
  data: unknown;
  reservation_id: string | null;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

const columns = `id::text, channel, recipient, template, data, reservation_id::text, status, attempts, last_error, created_at, sent_at`;

/**
 * The oldest messages not yet handed to the job engine, locked for this
 * transaction; SKIP LOCKED lets every process run the relay at once without
 * two of them taking the same row.
 */
export async function lockUndispatched(client: pg.ClientBase, limit: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id::text FROM outbox_messages WHERE dispatched_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map((row) => row.id);
}

export async function markDispatched(client: pg.ClientBase, ids: string[]): Promise<void> {
  await client.query(`UPDATE outbox_messages SET dispatched_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [ids]);
}

/** The message, locked until the caller's transaction ends: a second delivery of it waits here, then finds it sent. */
export async function lockMessage(client: pg.ClientBase, id: string): Promise<OutboxRow | undefined> {
  const { rows } = await client.query<OutboxRow>(`SELECT ${columns} FROM outbox_messages WHERE id = $1::uuid FOR UPDATE`, [id]);
  return rows[0];
}

export async function markSent(client: pg.ClientBase, id: string): Promise<void> {
  await client.query(`UPDATE outbox_messages SET status = 'sent', sent_at = clock_timestamp(), attempts = attempts + 1 WHERE id = $1::uuid`, [id]);
}

/** One attempt that did not get through; `final` ends the message as failed. */
export async function recordFailedAttempt(client: pg.ClientBase, id: string, error: string, final: boolean): Promise<number> {
  const { rows } = await client.query<{ attempts: number }>(
    `UPDATE outbox_messages SET attempts = attempts + 1, last_error = left($2, 500), status = CASE WHEN $3 THEN 'failed' ELSE status END
     WHERE id = $1::uuid RETURNING attempts`,
    [id, error, final],
  );
  return rows[0]?.attempts ?? 0;
}

/** Why a message stays pending without an attempt (no transport configured); the admin page shows it. */
export async function recordKept(client: pg.ClientBase, id: string, reason: string): Promise<void> {
  await client.query(`UPDATE outbox_messages SET last_error = $2 WHERE id = $1::uuid`, [id, reason]);
}

/** Appends to the hold's timeline inside the caller's transaction, so the event and the message's state commit together. */
export async function appendHoldEvent(client: pg.ClientBase, reservationId: string, type: string, detail: object): Promise<void> {
  await client.query(`INSERT INTO hold_events (reservation_id, type, detail) VALUES ($1::uuid, $2, $3::jsonb)`, [reservationId, type, JSON.stringify(detail)]);
}

/** The latest messages, newest first, optionally of one status (served by outbox_messages_by_status). */
export async function listMessages(pool: pg.Pool, status: OutboxStatus | undefined, limit: number): Promise<OutboxRow[]> {
  const { rows } = status
    ? await pool.query<OutboxRow>(`SELECT ${columns} FROM outbox_messages WHERE status = $1 ORDER BY created_at DESC, id LIMIT $2`, [status, limit])
    : await pool.query<OutboxRow>(`SELECT ${columns} FROM outbox_messages ORDER BY created_at DESC, id LIMIT $1`, [limit]);
  return rows;
}
