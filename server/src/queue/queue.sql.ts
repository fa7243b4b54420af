import type pg from "pg";
import type { Prisma } from "../generated/prisma/client.js";
import { onlyRow } from "../db/prisma.js";
import type { QueueEntryStatus, QueueState } from "./queue.schemas.js";
import { shuffle, type RandomInt } from "./draw.js";

/** A shopper's entry with what their view needs, as every query of an entry names it. */
export interface EntryRow {
  entry_status: QueueEntryStatus;
  entry_number: number | null;
  entry_position: number | null;
  admitted_until: Date | null;
  admitted_through: number;
  admit_per_second: number;
  decided_at: Date;
}

export type JoinRow =
  | ({ outcome: "CREATED" | "EXISTING" } & EntryRow)
  | { outcome: "DROP_NOT_FOUND" | "QUEUE_NOT_ENABLED" | "QUEUE_NOT_OPEN" | "QUEUE_CLOSED" | "TOO_MANY_FROM_ADDRESS" | "NEEDS_DRAW" };

/** Joining is the hot path of a surge (50,000 in seconds): one round trip, as a prepared statement. */
export async function callJoinQueue(pool: pg.Pool, dropId: string, userId: string, clientIp: string | null, perIpCap: number | null): Promise<JoinRow> {
  const { rows } = await pool.query<JoinRow>({
    name: "dropline_join_queue",
    text: "SELECT * FROM dropline_join_queue($1::uuid, $2::uuid, $3::text, $4::int)",
    values: [dropId, userId, clientIp, perIpCap],
  });
  return onlyRow(rows);
}

// An admission past its time reads as lapsed at once, not only after the admission tick has marked it.
const entryColumns = `
  CASE WHEN e.status = 'admitted' AND e.admitted_until <= clock_timestamp() THEN 'lapsed' ELSE e.status::text END AS entry_status,
  e.number AS entry_number,
  CASE WHEN e.status = 'waiting' THEN dropline_queue_position(e.drop_id, e.number, q.admitted_through) END AS entry_position,
  e.admitted_until, q.admitted_through, q.admit_per_second, clock_timestamp() AS decided_at`;

export async function findEntry(pool: pg.Pool, dropId: string, userId: string): Promise<EntryRow | undefined> {
  const { rows } = await pool.query<EntryRow>({
    name: "dropline_find_queue_entry",
    text: `SELECT ${entryColumns} FROM queue_entries e JOIN drop_queues q ON q.drop_id = e.drop_id
           WHERE e.drop_id = $1::uuid AND e.user_id = $2::uuid`,
    values: [dropId, userId],
  });
  return rows[0];
}

/** The shopper's entries in these drops' lines, for the drop views' myQueueEntry: one query for a whole list. */
export async function findEntries(pool: pg.Pool, userId: string, dropIds: string[]): Promise<(EntryRow & { drop_id: string })[]> {
  const { rows } = await pool.query<EntryRow & { drop_id: string }>({
    name: "dropline_find_queue_entries",
    text: `SELECT e.drop_id::text, ${entryColumns} FROM queue_entries e JOIN drop_queues q ON q.drop_id = e.drop_id
           WHERE e.user_id = $1::uuid AND e.drop_id = ANY($2::uuid[])`,
    values: [userId, dropIds],
  });
  return rows;
}

/** Leaves the line; an entry already past waiting (done, lapsed, sold out) is returned as it is. */
export async function leaveQueue(pool: pg.Pool, dropId: string, userId: string): Promise<EntryRow | undefined> {
  const { rows } = await pool.query<EntryRow>(
    `WITH gone AS (
       UPDATE queue_entries SET status = 'left', ended_at = clock_timestamp()
       WHERE drop_id = $1::uuid AND user_id = $2::uuid AND status IN ('pre_queue', 'waiting', 'admitted')
       RETURNING *
     )
     SELECT ${entryColumns} FROM (
       SELECT * FROM gone
       UNION ALL
       SELECT * FROM queue_entries WHERE drop_id = $1::uuid AND user_id = $2::uuid AND NOT EXISTS (SELECT 1 FROM gone)
     ) e JOIN drop_queues q ON q.drop_id = e.drop_id`,
    [dropId, userId],
  );
  return rows[0];
}

/** The waiting room's settings, in the transaction of a drop's create or edit; null removes it with its line. */
export async function setQueueSettings(
  tx: Prisma.TransactionClient,
  dropId: string,
  settings: { admitPerSecond: number; admissionSeconds: number; opensAt?: Date } | null,
): Promise<void> {
  if (settings === null) {
    await tx.$executeRaw`SELECT dropline_remove_queue(${dropId}::uuid)`;
    return;
  }
  await tx.$executeRaw`
    INSERT INTO drop_queues (drop_id, admit_per_second, admission_seconds, opens_at)
    VALUES (${dropId}::uuid, ${settings.admitPerSecond}, ${settings.admissionSeconds}, ${settings.opensAt ?? null}::timestamptz)
    ON CONFLICT (drop_id) DO UPDATE SET admit_per_second = EXCLUDED.admit_per_second,
      admission_seconds = EXCLUDED.admission_seconds, opens_at = EXCLUDED.opens_at`;
}

/**
 * The draw, once per line, at its start: every pre-queue entry gets a number
 * from one uniformly random permutation, in one transaction, and the line's
 * sequence continues after them for everyone who joins later. Returns how
 * many were drawn, or undefined when the line was already drawn (or the drop
 * has not started).
 */
export async function drawPreQueue(client: pg.ClientBase, dropId: string, random?: RandomInt): Promise<number | undefined> {
  await client.query("BEGIN");
  try {
    // Waits for the joins in flight and holds off new ones (see dropline_line_lock_key).
    await client.query("SELECT pg_advisory_xact_lock(1146244946, dropline_line_lock_key($1::uuid))", [dropId]);
    const { rows } = await client.query<{ due: boolean }>(
      `SELECT q.shuffled_at IS NULL AND clock_timestamp() >= d.starts_at AS due
       FROM drop_queues q JOIN drops d ON d.id = q.drop_id WHERE q.drop_id = $1::uuid FOR UPDATE OF q`,
      [dropId],
    );
    if (!rows[0]?.due) {
      await client.query("ROLLBACK");
      return undefined;
    }
    // Arrival order in, a uniformly random order out: arriving early buys nothing.
    const entries = await client.query<{ user_id: string }>(
      `SELECT user_id::text FROM queue_entries WHERE drop_id = $1::uuid AND status = 'pre_queue' ORDER BY joined_at, user_id`,
      [dropId],
    );
    const order = shuffle(entries.rows.map((row) => row.user_id), random);
    await client.query(
      `UPDATE queue_entries e SET status = 'waiting', number = drawn.number
       FROM unnest($2::uuid[]) WITH ORDINALITY AS drawn(user_id, number)
       WHERE e.drop_id = $1::uuid AND e.user_id = drawn.user_id`,
      [dropId, order],
    );
    await client.query("SELECT dropline_start_line_numbers($1::uuid, $2::int)", [dropId, order.length]);
    await client.query(`UPDATE drop_queues SET shuffled_at = clock_timestamp(), length = $2::int WHERE drop_id = $1::uuid`, [dropId, order.length]);
    await client.query("COMMIT");
    return order.length;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

export interface OpenLineRow {
  drop_id: string;
  admit_per_second: number;
  due_for_draw: boolean;
}

/** Every line not closed yet: the admission tick looks at each. */
export async function listOpenLines(client: pg.ClientBase): Promise<OpenLineRow[]> {
  const { rows } = await client.query<OpenLineRow>({
    name: "dropline_open_lines",
    text: `SELECT q.drop_id::text, q.admit_per_second, q.shuffled_at IS NULL AND clock_timestamp() >= d.starts_at AS due_for_draw
           FROM drop_queues q JOIN drops d ON d.id = q.drop_id WHERE q.closed_at IS NULL`,
  });
  return rows;
}

export interface TickRow {
  state: QueueState;
  admitted: { userId: string; number: number; admittedUntil: string }[];
  lapsed: number;
  admitted_through: number;
  length: number;
  decided_at: Date;
}

export async function callQueueTick(client: pg.ClientBase, dropId: string, credit: number, count: boolean): Promise<TickRow | undefined> {
  const { rows } = await client.query<TickRow>({
    name: "dropline_queue_tick",
    text: "SELECT * FROM dropline_queue_tick($1::uuid, $2::int, $3::boolean)",
    values: [dropId, credit, count],
  });
  return rows[0];
}
