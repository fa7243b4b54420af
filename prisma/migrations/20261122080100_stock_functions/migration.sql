-- Every stock change of a drop runs as one of these functions, called in one
-- round trip. Each follows the same order, so they never deadlock:
--   1. lock the drop row (FOR UPDATE): this serialises the drop's stock changes;
--   2. read the clock: the decision is made now, not when the request queued;
--   3. read what it needs afresh (each statement of a VOLATILE function takes a
--      new snapshot, so nothing committed while we waited for the lock is missed);
--   4. release the drop's lapsed holds, so an expired hold never blocks anyone,
--      even before the sweeper gets to it;
--   5. write the rows and the drop's counters, bumping its version once.
-- Every function returns the drop's counters and version as committed, and the
-- holds it expired, so the caller can tell browsers exactly what changed.

CREATE FUNCTION dropline_release_lapsed(p_drop_id uuid, p_now timestamptz, OUT freed int, OUT expired jsonb)
LANGUAGE sql AS $$
  WITH gone AS (
    UPDATE reservations SET status = 'expired', ended_at = p_now
    WHERE drop_id = p_drop_id AND status = 'active' AND expires_at <= p_now
    RETURNING id, user_id, quantity, created_at, expires_at
  )
  SELECT coalesce(sum(quantity), 0)::int,
         coalesce(jsonb_agg(jsonb_build_object(
           'id', id, 'userId', user_id, 'quantity', quantity,
           'createdAt', created_at, 'expiresAt', expires_at)), '[]'::jsonb)
  FROM gone
$$;

CREATE FUNCTION dropline_take_hold(p_drop_id uuid, p_user_id uuid, p_quantity int)
RETURNS TABLE (
  outcome text, hold_id uuid, hold_quantity int, hold_created_at timestamptz, hold_expires_at timestamptz,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  h reservations%ROWTYPE;
  v_freed int := 0;
  v_bought int;
BEGIN
  SELECT * INTO d FROM drops WHERE id = p_drop_id FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'DROP_NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  decided_at := clock_timestamp();
  expired := '[]'::jsonb;

  IF decided_at < d.starts_at OR (d.ends_at IS NOT NULL AND decided_at >= d.ends_at) THEN
    outcome := 'DROP_NOT_LIVE';
  ELSE
    SELECT r.freed, r.expired INTO v_freed, expired FROM dropline_release_lapsed(p_drop_id, decided_at) r;
    d.held_stock := d.held_stock - v_freed;

    SELECT * INTO h FROM reservations r
    WHERE r.drop_id = p_drop_id AND r.user_id = p_user_id AND r.status = 'active';
    IF FOUND THEN
      outcome := 'EXISTING';
    ELSE
      SELECT coalesce(sum(p.quantity), 0) INTO v_bought FROM purchases p
      WHERE p.drop_id = p_drop_id AND p.user_id = p_user_id;
      IF v_bought + p_quantity > d.max_per_user THEN
        outcome := 'LIMIT_EXCEEDED';
      ELSIF d.total_stock - d.held_stock - d.sold_stock < p_quantity THEN
        outcome := 'OUT_OF_STOCK';
      ELSE
        INSERT INTO reservations (id, drop_id, user_id, quantity, unit_price, status, created_at, expires_at)
        VALUES (gen_random_uuid(), p_drop_id, p_user_id, p_quantity, d.price, 'active',
                decided_at, decided_at + make_interval(secs => d.hold_seconds))
        RETURNING * INTO h;
        d.held_stock := d.held_stock + p_quantity;
        outcome := 'CREATED';
      END IF;
    END IF;

    IF v_freed > 0 OR outcome = 'CREATED' THEN
      UPDATE drops SET held_stock = d.held_stock, version = drops.version + 1, updated_at = decided_at
      WHERE id = p_drop_id
      RETURNING drops.version INTO d.version;
    END IF;
  END IF;

  hold_id := h.id;
  hold_quantity := h.quantity;
  hold_created_at := h.created_at;
  hold_expires_at := h.expires_at;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;

-- Completes a hold into a purchase. Payment is taken before this call; when the
-- outcome is not PURCHASED or ALREADY_PURCHASED the caller refunds it.
CREATE FUNCTION dropline_complete_purchase(
  p_reservation_id uuid, p_user_id uuid, p_confirmation_code text, p_payment_ref text
)
RETURNS TABLE (
  outcome text, purchase_id uuid, drop_id uuid, quantity int, amount_paid numeric, confirmation_code text,
  purchased_at timestamptz, hold_status text,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  h reservations%ROWTYPE;
  p purchases%ROWTYPE;
  v_drop_id uuid;
  v_freed int := 0;
BEGIN
  -- Unlocked look-up of the drop only (it never changes), so the drop row is locked before the hold.
  SELECT r.drop_id INTO v_drop_id FROM reservations r WHERE r.id = p_reservation_id AND r.user_id = p_user_id;
  IF NOT FOUND THEN
    outcome := 'NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO d FROM drops WHERE id = v_drop_id FOR UPDATE;
  decided_at := clock_timestamp();
  SELECT * INTO h FROM reservations r WHERE r.id = p_reservation_id;

  IF h.status = 'completed' THEN
    SELECT * INTO p FROM purchases pu WHERE pu.reservation_id = p_reservation_id;
    outcome := 'ALREADY_PURCHASED';
  ELSIF h.status = 'active' AND h.expires_at > decided_at THEN
    UPDATE reservations SET status = 'completed', ended_at = decided_at WHERE id = p_reservation_id;
    INSERT INTO purchases (id, reservation_id, drop_id, user_id, quantity, amount_paid, confirmation_code, payment_ref, created_at)
    VALUES (gen_random_uuid(), h.id, h.drop_id, h.user_id, h.quantity, h.unit_price * h.quantity,
            p_confirmation_code, p_payment_ref, decided_at)
    RETURNING * INTO p;
    d.held_stock := d.held_stock - h.quantity;
    d.sold_stock := d.sold_stock + h.quantity;
    h.status := 'completed';
    outcome := 'PURCHASED';
  ELSE
    outcome := 'NOT_ACTIVE';
  END IF;

  SELECT r.freed, r.expired INTO v_freed, expired FROM dropline_release_lapsed(v_drop_id, decided_at) r;
  d.held_stock := d.held_stock - v_freed;
  IF outcome = 'NOT_ACTIVE' AND h.status = 'active' THEN
    h.status := 'expired'; -- it lapsed and was just released above
  END IF;
  IF v_freed > 0 OR outcome = 'PURCHASED' THEN
    UPDATE drops SET held_stock = d.held_stock, sold_stock = d.sold_stock, version = drops.version + 1, updated_at = decided_at
    WHERE id = v_drop_id
    RETURNING drops.version INTO d.version;
  END IF;

  purchase_id := p.id;
  drop_id := v_drop_id;
  quantity := p.quantity;
  amount_paid := p.amount_paid;
  confirmation_code := p.confirmation_code;
  purchased_at := p.created_at;
  hold_status := h.status::text;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;

-- A shopper lets go of a hold: its units go back to stock at once.
CREATE FUNCTION dropline_release_hold(p_reservation_id uuid, p_user_id uuid)
RETURNS TABLE (
  outcome text, drop_id uuid, hold_quantity int, hold_status text, hold_created_at timestamptz, hold_expires_at timestamptz,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  h reservations%ROWTYPE;
  v_drop_id uuid;
  v_freed int := 0;
BEGIN
  SELECT r.drop_id INTO v_drop_id FROM reservations r WHERE r.id = p_reservation_id AND r.user_id = p_user_id;
  IF NOT FOUND THEN
    outcome := 'NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO d FROM drops WHERE id = v_drop_id FOR UPDATE;
  decided_at := clock_timestamp();
  SELECT * INTO h FROM reservations r WHERE r.id = p_reservation_id;

  IF h.status = 'active' AND h.expires_at > decided_at THEN
    UPDATE reservations SET status = 'cancelled', ended_at = decided_at WHERE id = p_reservation_id;
    d.held_stock := d.held_stock - h.quantity;
    h.status := 'cancelled';
    outcome := 'CANCELLED';
  ELSE
    outcome := 'NOT_ACTIVE';
  END IF;

  SELECT r.freed, r.expired INTO v_freed, expired FROM dropline_release_lapsed(v_drop_id, decided_at) r;
  d.held_stock := d.held_stock - v_freed;
  IF outcome = 'NOT_ACTIVE' AND h.status = 'active' THEN
    h.status := 'expired';
  END IF;
  IF v_freed > 0 OR outcome = 'CANCELLED' THEN
    UPDATE drops SET held_stock = d.held_stock, version = drops.version + 1, updated_at = decided_at
    WHERE id = v_drop_id
    RETURNING drops.version INTO d.version;
  END IF;

  drop_id := v_drop_id;
  hold_quantity := h.quantity;
  hold_status := h.status::text;
  hold_created_at := h.created_at;
  hold_expires_at := h.expires_at;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;

-- The sweeper: releases lapsed holds drop by drop. SKIP LOCKED lets several
-- server instances sweep at once without waiting on each other; a drop whose
-- row is busy is cleaned by the transaction holding it (step 4 above) or on
-- the next sweep.
CREATE FUNCTION dropline_expire_due_holds(p_max_drops int)
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
  FOR v_drop_id IN
    SELECT DISTINCT r.drop_id FROM reservations r
    WHERE r.status = 'active' AND r.expires_at <= v_started
    LIMIT p_max_drops
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
