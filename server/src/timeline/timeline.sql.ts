import type pg from "pg";

export interface TimelineRow {
  at: Date;
  type: string;
  detail: Record<string, unknown> | null;
}

/**
 * A hold's life in order: the steps its own rows record (admitted from the
 * line, created, cancelled, expired; messages queued) merged with the
 * appended log of everything else (payments, the sale, tickets, deliveries).
 * Same-instant events keep their causal order through `rank`.
 */
export async function holdTimeline(pool: pg.Pool, reservationId: string, userId?: string): Promise<TimelineRow[] | undefined> {
  const { rows: holds } = await pool.query<{ id: string }>(
    `SELECT id::text FROM reservations WHERE id = $1::uuid AND ($2::uuid IS NULL OR user_id = $2::uuid)`,
    [reservationId, userId ?? null],
  );
  if (holds.length === 0) return undefined;
  const { rows } = await pool.query<TimelineRow>(
    `WITH r AS (SELECT * FROM reservations WHERE id = $1::uuid)
     SELECT at, type, detail FROM (
       SELECT e.admitted_at AS at, 0 AS rank, 0::bigint AS seq, 'queue_admitted' AS type, jsonb_build_object('number', e.number) AS detail
       FROM r JOIN queue_entries e ON e.drop_id = r.drop_id AND e.user_id = r.user_id
       WHERE e.status = 'done' AND e.admitted_at IS NOT NULL AND e.admitted_at <= r.created_at
       UNION ALL
       SELECT r.created_at, 1, 0, 'hold_created', jsonb_build_object('quantity', r.quantity, 'expiresAt', to_char(r.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) FROM r
       UNION ALL
       SELECT h.at, 2, h.id, h.type, h.detail FROM hold_events h WHERE h.reservation_id = $1::uuid
       UNION ALL
       SELECT m.created_at, 3, 0, 'notification_queued', jsonb_build_object('messageId', m.id, 'channel', m.channel, 'template', m.template)
       FROM outbox_messages m WHERE m.reservation_id = $1::uuid
       UNION ALL
       SELECT r.ended_at, 4, 0, 'hold_' || r.status::text, NULL FROM r WHERE r.status IN ('cancelled', 'expired')
     ) t
     ORDER BY at, rank, seq`,
    [reservationId],
  );
  return rows;
}

export interface FailureGroupRow {
  type: string;
  reason: string;
  count: number;
  reservation_ids: string[];
}

/** Failures since `since`, grouped by what failed and why, largest group first, with up to 5 of the latest holds each. */
export async function failureGroups(pool: pg.Pool, since: Date): Promise<FailureGroupRow[]> {
  const { rows } = await pool.query<FailureGroupRow>(
    `WITH f AS (
       SELECT h.type, coalesce(h.detail->>'reason', 'unknown') AS reason, h.reservation_id, h.at
       FROM hold_events h
       WHERE h.at >= $1 AND h.type IN ('payment_failed', 'notification_failed')
       UNION ALL
       SELECT 'hold_expired', 'hold_ran_out', r.id, r.ended_at
       FROM reservations r WHERE r.status = 'expired' AND r.ended_at >= $1
     ), latest AS (
       SELECT type, reason, reservation_id, max(at) AS at FROM f GROUP BY type, reason, reservation_id
     )
     SELECT f.type, f.reason, count(*)::int AS count,
            (SELECT coalesce(array_agg(l.reservation_id::text ORDER BY l.at DESC), '{}')
             FROM (SELECT * FROM latest l WHERE l.type = f.type AND l.reason = f.reason ORDER BY l.at DESC LIMIT 5) l) AS reservation_ids
     FROM f GROUP BY f.type, f.reason
     ORDER BY count DESC, f.type, f.reason`,
    [since],
  );
  return rows;
}
