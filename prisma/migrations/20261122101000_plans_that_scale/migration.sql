-- Statements inside PL/pgSQL functions run with cached generic plans, made
-- without the parameter values. On a hot drop (one drop_id in most rows,
-- thousands of active holds) some of those plans scanned every active hold
-- of the drop, under its row lock, on every hold: each hold got slower as the
-- drop filled up (measured with pg_stat_statements: the own-hold look-up went
-- from 0.8 ms to 2.3 ms between 3,000 and 6,000 active holds, and after
-- ANALYZE the lapsed-hold check took 1.4 ms). Each look-up is now written so
-- that every plan PostgreSQL may choose touches only the rows it needs.

-- 1. The shopper's own active hold: the unique index led with drop_id, so it
-- also matched "this drop's active holds". Leading with user_id, every plan
-- for that look-up reads one shopper's rows.
DROP INDEX "reservations_one_active_per_shopper";
CREATE UNIQUE INDEX "reservations_one_active_per_shopper" ON "reservations" ("user_id", "drop_id") WHERE "status" = 'active';

-- 2. "Has anything lapsed?": an EXISTS with a generic plan guessed a third of
-- the rows match, so a scan that stops at the first match looked cheap; when
-- nothing matches it reads them all. The earliest deadline is one index entry
-- whichever index serves it. The rare UPDATE is planned with its real values.
CREATE OR REPLACE FUNCTION dropline_release_lapsed(p_drop_id uuid, p_now timestamptz, OUT freed int, OUT expired jsonb)
LANGUAGE plpgsql AS $$
BEGIN
  freed := 0;
  expired := '[]'::jsonb;
  IF coalesce((SELECT min(r.expires_at) FROM reservations r WHERE r.drop_id = p_drop_id AND r.status = 'active') > p_now, true) THEN
    RETURN;
  END IF;
  EXECUTE $sql$
    WITH gone AS (
      UPDATE reservations SET status = 'expired', ended_at = $2
      WHERE drop_id = $1 AND status = 'active' AND expires_at <= $2
      RETURNING id, user_id, quantity, created_at, expires_at
    )
    SELECT coalesce(sum(g.quantity), 0)::int,
           coalesce(jsonb_agg(jsonb_build_object(
             'id', g.id, 'userId', g.user_id, 'quantity', g.quantity,
             'createdAt', g.created_at, 'expiresAt', g.expires_at)), '[]'::jsonb)
    FROM gone g
  $sql$ INTO freed, expired USING p_drop_id, p_now;
END
$$;

-- 3. The sweeper's search for drops with lapsed holds, planned with its real
-- time so it reads only lapsed entries of the deadline index.
CREATE OR REPLACE FUNCTION dropline_expire_due_holds(p_max_drops int)
RETURNS TABLE (
  drop_id uuid, total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  v_drop_id uuid;
  v_started timestamptz := clock_timestamp();
  v_freed int;
BEGIN
  FOR v_drop_id IN EXECUTE
    'SELECT DISTINCT r.drop_id FROM reservations r WHERE r.status = ''active'' AND r.expires_at <= $1 LIMIT $2'
    USING v_started, p_max_drops
  LOOP
    SELECT * INTO d FROM drops WHERE id = v_drop_id FOR UPDATE SKIP LOCKED;
    CONTINUE WHEN NOT FOUND;
    decided_at := clock_timestamp();
    SELECT r.freed, r.expired INTO v_freed, expired FROM dropline_release_lapsed(v_drop_id, decided_at) r;
    CONTINUE WHEN v_freed = 0;
    UPDATE drops SET held_stock = drops.held_stock - v_freed, version = drops.version + 1, updated_at = decided_at
    WHERE id = v_drop_id
    RETURNING * INTO d;
    drop_id := v_drop_id;
    total_stock := d.total_stock;
    held_stock := d.held_stock;
    sold_stock := d.sold_stock;
    version := d.version;
    starts_at := d.starts_at;
    ends_at := d.ends_at;
    RETURN NEXT;
  END LOOP;
END
$$;
