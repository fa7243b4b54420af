-- Every hold on a hot drop calls this under the drop's row lock, and nearly
-- always nothing has lapsed. A look at the partial index first skips the
-- UPDATE and aggregate machinery in that case, shortening the time the lock
-- is held on every hold.
CREATE OR REPLACE FUNCTION dropline_release_lapsed(p_drop_id uuid, p_now timestamptz, OUT freed int, OUT expired jsonb)
LANGUAGE plpgsql AS $$
BEGIN
  freed := 0;
  expired := '[]'::jsonb;
  IF NOT EXISTS (
    SELECT 1 FROM reservations r
    WHERE r.drop_id = p_drop_id AND r.status = 'active' AND r.expires_at <= p_now
  ) THEN
    RETURN;
  END IF;
  WITH gone AS (
    UPDATE reservations SET status = 'expired', ended_at = p_now
    WHERE drop_id = p_drop_id AND status = 'active' AND expires_at <= p_now
    RETURNING id, user_id, quantity, created_at, expires_at
  )
  SELECT coalesce(sum(g.quantity), 0)::int,
         coalesce(jsonb_agg(jsonb_build_object(
           'id', g.id, 'userId', g.user_id, 'quantity', g.quantity,
           'createdAt', g.created_at, 'expiresAt', g.expires_at)), '[]'::jsonb)
  INTO freed, expired
  FROM gone g;
END
$$;
