-- What a hold will cost, what it reads while its payment runs, and one rule
-- for a drop's end.
--
-- 1. Every function that answers with a hold answers its own price
--    (hold_unit_price, fixed when it was taken) and hold_payment_until (set
--    while a payment runs), so the API shows what the purchase will charge and
--    never calls a hold that is being paid for "expired".
-- 2. A hold never outlives its drop: its deadline is the earlier of
--    hold_seconds after it was taken and the drop's ends_at. An admin edit that
--    moves ends_at earlier (ending the drop now included) brings the active
--    holds' deadlines forward with it; holds that lapse by that are released
--    like any other lapsed hold, so a payment already running keeps its
--    protection and completes. The drop ending at its ends_at and the admin
--    ending it now are then the same event.
-- 3. A waiting room lets in only as many shoppers as the units can serve,
--    each admission counting for up to max_per_user units.
-- 4. A pre-order drop closes at its fulfil-by time (release_at + grace):
--    nothing placed after it could be fulfilled in time.
--
-- Lapsed holds everywhere: active, past expires_at, and no payment protecting them.

-- Holds taken before this rule existed end with their drop too.
UPDATE reservations r
SET expires_at = greatest(d.ends_at, r.created_at + interval '1 millisecond')
FROM drops d
WHERE d.id = r.drop_id AND r.status = 'active' AND d.ends_at IS NOT NULL AND r.expires_at > d.ends_at;

-- Lapsed holds carry their price, so the "cart expired" notice shows what the hold would have cost.
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
      UPDATE reservations SET status = 'expired', ended_at = $2, payment_until = NULL
      WHERE drop_id = $1 AND status = 'active' AND expires_at <= $2 AND (payment_until IS NULL OR payment_until <= $2)
      RETURNING id, user_id, quantity, unit_price, created_at, expires_at
    ), mail AS (
      INSERT INTO outbox_messages (channel, recipient, template, data, reservation_id, user_id)
      SELECT 'email', u.email, 'cart_expired',
             jsonb_build_object('dropName', dr.name, 'dropId', dr.id, 'quantity', g.quantity, 'username', u.username),
             g.id, g.user_id
      FROM gone g JOIN users u ON u.id = g.user_id JOIN drops dr ON dr.id = $1
      WHERE u.email IS NOT NULL
      ON CONFLICT DO NOTHING
    )
    SELECT coalesce(sum(g.quantity), 0)::int,
           coalesce(jsonb_agg(jsonb_build_object(
             'id', g.id, 'userId', g.user_id, 'quantity', g.quantity, 'unitPrice', g.unit_price::text,
             'createdAt', g.created_at, 'expiresAt', g.expires_at)), '[]'::jsonb)
    FROM gone g
  $sql$ INTO freed, expired USING p_drop_id, p_now;
END
$$;

DROP FUNCTION dropline_take_hold(uuid, uuid, int);
-- As before, but the hold answers its price and payment state, and its deadline is capped at the drop's end.
CREATE FUNCTION dropline_take_hold(p_drop_id uuid, p_user_id uuid, p_quantity int)
RETURNS TABLE (
  outcome text, hold_id uuid, hold_quantity int, hold_created_at timestamptz, hold_expires_at timestamptz,
  hold_unit_price text, hold_payment_until timestamptz,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  h reservations%ROWTYPE;
  v_freed int := 0;
  v_bought int;
  v_queued boolean;
  v_admitted boolean := false;
BEGIN
  -- A pre-order drop sells through POST /api/preorders only; refused before the drop's lock.
  IF EXISTS (SELECT 1 FROM preorder_settings ps WHERE ps.drop_id = p_drop_id) THEN
    outcome := 'PREORDER_ONLY';
    RETURN NEXT;
    RETURN;
  END IF;
  v_queued := EXISTS (SELECT 1 FROM drop_queues q WHERE q.drop_id = p_drop_id);
  IF v_queued THEN
    -- Locked: the admission tick cannot lapse this entry between the check and the hold.
    SELECT true INTO v_admitted FROM queue_entries e
    WHERE e.drop_id = p_drop_id AND e.user_id = p_user_id AND e.status = 'admitted' AND e.admitted_until > clock_timestamp()
    FOR UPDATE;
    IF NOT coalesce(v_admitted, false) AND NOT EXISTS (
      SELECT 1 FROM reservations r WHERE r.drop_id = p_drop_id AND r.user_id = p_user_id AND r.status = 'active'
    ) THEN
      outcome := 'NOT_ADMITTED';
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;

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
    ELSIF v_queued AND NOT coalesce(v_admitted, false) THEN
      -- The active hold seen above lapsed meanwhile: without an admission there is no new one.
      outcome := 'NOT_ADMITTED';
    ELSE
      SELECT coalesce(sum(p.quantity), 0) INTO v_bought FROM purchases p
      WHERE p.drop_id = p_drop_id AND p.user_id = p_user_id;
      IF v_bought + p_quantity > d.max_per_user THEN
        outcome := 'LIMIT_EXCEEDED';
      ELSIF d.total_stock - d.held_stock - d.sold_stock < p_quantity THEN
        outcome := 'OUT_OF_STOCK';
      ELSE
        -- least() ignores a null ends_at: a drop without an end gives the full hold_seconds.
        INSERT INTO reservations (id, drop_id, user_id, quantity, unit_price, status, created_at, expires_at)
        VALUES (gen_random_uuid(), p_drop_id, p_user_id, p_quantity, d.price, 'active',
                decided_at, least(decided_at + make_interval(secs => d.hold_seconds), d.ends_at))
        RETURNING * INTO h;
        d.held_stock := d.held_stock + p_quantity;
        outcome := 'CREATED';
        IF v_queued THEN
          UPDATE queue_entries SET status = 'done', ended_at = decided_at
          WHERE drop_id = p_drop_id AND user_id = p_user_id;
        END IF;
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
  hold_unit_price := h.unit_price::text;
  hold_payment_until := h.payment_until;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_take_hold(uuid, uuid, int) SET lock_timeout = '5s';

DROP FUNCTION dropline_release_hold(uuid, uuid);
-- A shopper lets go of a hold: its units go back to stock at once. A hold
-- whose payment is running past its deadline is still the shopper's to
-- cancel (the payment, when it ends, finds it gone and is voided).
CREATE FUNCTION dropline_release_hold(p_reservation_id uuid, p_user_id uuid)
RETURNS TABLE (
  outcome text, drop_id uuid, hold_quantity int, hold_status text, hold_created_at timestamptz, hold_expires_at timestamptz,
  hold_unit_price text, hold_payment_until timestamptz,
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

  IF h.status = 'active' AND (h.expires_at > decided_at OR h.payment_until > decided_at) THEN
    UPDATE reservations SET status = 'cancelled', ended_at = decided_at, payment_until = NULL WHERE id = p_reservation_id;
    d.held_stock := d.held_stock - h.quantity;
    h.status := 'cancelled';
    h.payment_until := NULL;
    outcome := 'CANCELLED';
  ELSE
    outcome := 'NOT_ACTIVE';
  END IF;

  SELECT r.freed, r.expired INTO v_freed, expired FROM dropline_release_lapsed(v_drop_id, decided_at) r;
  d.held_stock := d.held_stock - v_freed;
  IF outcome = 'NOT_ACTIVE' AND h.status = 'active' THEN
    h.status := 'expired';
    h.payment_until := NULL;
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
  hold_unit_price := h.unit_price::text;
  hold_payment_until := h.payment_until;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_release_hold(uuid, uuid) SET lock_timeout = '5s';

DROP FUNCTION dropline_update_drop(uuid, jsonb);
-- An admin edit, as before, with the drop-end rule above: when the edit moves
-- the drop's end earlier (or its start into the future, which ends its holds
-- now), every active hold's deadline comes forward to it; those that have
-- lapsed by then are released as any lapsed hold (a payment in flight keeps
-- its protection), and `shortened` lists the others, whose owners are told
-- their new deadline.
CREATE FUNCTION dropline_update_drop(p_drop_id uuid, p_patch jsonb)
RETURNS TABLE (
  outcome text, committed int,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb, shortened jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  v_freed int;
  v_deadline timestamptz;
  v_latest timestamptz;
  v_release_at timestamptz;
  v_ended int;
  v_ended_list jsonb;
BEGIN
  SELECT * INTO d FROM drops WHERE id = p_drop_id FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'DROP_NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  decided_at := clock_timestamp();
  shortened := '[]'::jsonb;
  SELECT r.freed, r.expired INTO v_freed, expired FROM dropline_release_lapsed(p_drop_id, decided_at) r;
  d.held_stock := d.held_stock - v_freed;

  IF p_patch ? 'name' THEN d.name := p_patch->>'name'; END IF;
  IF p_patch ? 'price' THEN d.price := (p_patch->>'price')::numeric; END IF;
  IF p_patch ? 'totalStock' THEN d.total_stock := (p_patch->>'totalStock')::int; END IF;
  IF p_patch ? 'startsAt' THEN d.starts_at := (p_patch->>'startsAt')::timestamptz; END IF;
  IF p_patch ? 'endsAt' THEN d.ends_at := (p_patch->>'endsAt')::timestamptz; END IF;
  IF p_patch ? 'holdSeconds' THEN d.hold_seconds := (p_patch->>'holdSeconds')::int; END IF;
  IF p_patch ? 'maxPerUser' THEN d.max_per_user := (p_patch->>'maxPerUser')::int; END IF;
  IF p_patch ? 'imageUrl' THEN d.image_url := p_patch->>'imageUrl'; END IF;
  IF p_patch ? 'description' THEN d.description := p_patch->>'description'; END IF;

  IF d.ends_at IS NOT NULL AND d.ends_at <= d.starts_at THEN
    outcome := 'ENDS_BEFORE_START';
  ELSIF d.total_stock < d.held_stock + d.sold_stock THEN
    outcome := 'STOCK_BELOW_COMMITTED';
    committed := d.held_stock + d.sold_stock;
  ELSE
    outcome := 'UPDATED';
  END IF;
  IF outcome <> 'UPDATED' THEN
    -- Nothing of the patch is written, but the lapsed holds released above stay released.
    IF v_freed > 0 THEN
      UPDATE drops SET held_stock = drops.held_stock - v_freed, version = drops.version + 1, updated_at = decided_at
      WHERE id = p_drop_id
      RETURNING * INTO d;
    ELSE
      SELECT * INTO d FROM drops WHERE id = p_drop_id;
    END IF;
  ELSE
    v_deadline := CASE WHEN decided_at < d.starts_at THEN decided_at ELSE d.ends_at END;
    IF v_deadline IS NOT NULL THEN
      WITH moved AS (
        UPDATE reservations r
        -- Kept after created_at, as the CHECK wants.
        SET expires_at = greatest(v_deadline, r.created_at + interval '1 millisecond')
        WHERE r.drop_id = p_drop_id AND r.status = 'active' AND r.expires_at > v_deadline
        RETURNING r.id, r.user_id, r.quantity, r.unit_price, r.created_at, r.expires_at, r.payment_until
      )
      SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', m.id, 'userId', m.user_id, 'quantity', m.quantity, 'unitPrice', m.unit_price::text,
               'createdAt', m.created_at, 'expiresAt', m.expires_at, 'paymentUntil', m.payment_until)), '[]'::jsonb),
             max(m.expires_at)
      INTO shortened, v_latest
      FROM moved m;
      -- Ending now: a deadline stored at millisecond precision may round to just after decided_at,
      -- so the holds moved to "now" are released as of the latest of them (greatest() skips a null).
      v_release_at := CASE WHEN v_deadline <= decided_at THEN greatest(decided_at, v_latest) ELSE decided_at END;
      SELECT r.freed, r.expired INTO v_ended, v_ended_list FROM dropline_release_lapsed(p_drop_id, v_release_at) r;
      d.held_stock := d.held_stock - v_ended;
      expired := expired || v_ended_list;
      -- Those released just now are told as expired; `shortened` keeps the ones still running.
      SELECT coalesce(jsonb_agg(s.value), '[]'::jsonb) INTO shortened
      FROM jsonb_array_elements(shortened) s
      WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_ended_list) e WHERE e.value->>'id' = s.value->>'id');
    END IF;

    UPDATE drops SET
      name = d.name, price = d.price, total_stock = d.total_stock, starts_at = d.starts_at, ends_at = d.ends_at,
      hold_seconds = d.hold_seconds, max_per_user = d.max_per_user, image_url = d.image_url, description = d.description,
      held_stock = d.held_stock, version = drops.version + 1, updated_at = decided_at
    WHERE id = p_drop_id
    RETURNING * INTO d;
  END IF;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_update_drop(uuid, jsonb) SET lock_timeout = '5s';
ALTER FUNCTION dropline_update_drop(uuid, jsonb) SET statement_timeout = '15s';

-- Admission, as before, except for how many are let in: an admission may
-- take up to max_per_user units, so the open admissions together never
-- claim more than the units available, and every shopper let in finds at
-- least one unit (the last one let in may find fewer than max_per_user).
-- Held units protected by a running payment count as held, not as coming back.
CREATE OR REPLACE FUNCTION dropline_queue_tick(p_drop_id uuid, p_credit int, p_count boolean)
RETURNS TABLE (state text, admitted jsonb, lapsed int, admitted_through int, length int, decided_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  q drop_queues%ROWTYPE;
  d drops%ROWTYPE;
  v_lapsed_held int;
  v_available int;
  v_held int;
  v_open int;
  v_unclaimed int;
  v_admit int;
BEGIN
  SELECT * INTO q FROM drop_queues WHERE drop_id = p_drop_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT * INTO d FROM drops WHERE id = p_drop_id;
  decided_at := clock_timestamp();
  admitted := '[]'::jsonb;
  lapsed := 0;
  admitted_through := q.admitted_through;
  length := q.length;

  IF q.closed_at IS NOT NULL THEN
    state := 'closed';
  ELSIF decided_at < least(coalesce(q.opens_at, d.starts_at - interval '15 minutes'), d.starts_at) THEN
    state := 'not_open';
  ELSIF q.shuffled_at IS NULL OR decided_at < d.starts_at THEN
    -- Before the start, or started and waiting for the draw (done by the caller).
    state := 'pre_queue';
  ELSE
    WITH gone AS (
      UPDATE queue_entries SET status = 'lapsed', ended_at = decided_at
      WHERE drop_id = p_drop_id AND status = 'admitted' AND queue_entries.admitted_until <= decided_at
      RETURNING 1
    )
    SELECT count(*) INTO lapsed FROM gone;

    -- Open admissions first, the stock after: a hold taken in between then counts twice (one
    -- admission too few, made up next tick), never not at all (one too many, measured: the
    -- 501st shopper let in for 500 units, to be refused).
    SELECT count(*) INTO v_open FROM queue_entries
    WHERE drop_id = p_drop_id AND status = 'admitted';
    SELECT * INTO d FROM drops WHERE id = p_drop_id;
    -- Holds past their deadline are coming back, whether or not the sweeper has released them yet.
    SELECT coalesce(sum(r.quantity), 0)::int INTO v_lapsed_held FROM reservations r
    WHERE r.drop_id = p_drop_id AND r.status = 'active' AND r.expires_at <= decided_at
      AND (r.payment_until IS NULL OR r.payment_until <= decided_at);
    v_held := d.held_stock - v_lapsed_held;
    v_available := d.total_stock - v_held - d.sold_stock;

    IF (d.ends_at IS NOT NULL AND decided_at >= d.ends_at) OR (v_available <= 0 AND v_held <= 0) THEN
      -- Waits for joins in flight, so that none is left waiting in a closed line.
      PERFORM pg_advisory_xact_lock(1146244946, dropline_line_lock_key(p_drop_id));
      UPDATE queue_entries SET status = 'sold_out', ended_at = decided_at
      WHERE drop_id = p_drop_id AND status IN ('pre_queue', 'waiting', 'admitted');
      UPDATE drop_queues SET closed_at = decided_at, length = 0 WHERE drop_id = p_drop_id;
      state := 'closed';
      length := 0;
      RETURN NEXT;
      RETURN;
    ELSIF v_available <= 0 THEN
      state := 'paused';
    ELSE
      state := 'admitting';
      -- Units no open admission may claim; each new admission may claim up to max_per_user of them.
      v_unclaimed := v_available - v_open * d.max_per_user;
      v_admit := least(p_credit, CASE WHEN v_unclaimed > 0 THEN (v_unclaimed + d.max_per_user - 1) / d.max_per_user ELSE 0 END);
      IF v_admit > 0 THEN
        WITH next AS (
          SELECT user_id FROM queue_entries
          WHERE drop_id = p_drop_id AND status = 'waiting'
          ORDER BY number
          LIMIT v_admit
        ), let_in AS (
          UPDATE queue_entries e SET status = 'admitted', admitted_at = decided_at,
            admitted_until = decided_at + make_interval(secs => q.admission_seconds)
          FROM next WHERE e.drop_id = p_drop_id AND e.user_id = next.user_id
          RETURNING e.user_id, e.number, e.admitted_until
        )
        SELECT coalesce(jsonb_agg(jsonb_build_object('userId', l.user_id, 'number', l.number, 'admittedUntil', l.admitted_until)
                                  ORDER BY l.number), '[]'::jsonb),
               coalesce(max(l.number), q.admitted_through)
        INTO admitted, admitted_through
        FROM let_in l;
      END IF;
    END IF;
  END IF;

  IF p_count THEN
    SELECT count(*)::int INTO length FROM queue_entries
    WHERE drop_id = p_drop_id AND status IN ('pre_queue', 'waiting');
  END IF;
  IF admitted_through <> q.admitted_through OR length <> q.length THEN
    UPDATE drop_queues SET admitted_through = dropline_queue_tick.admitted_through, length = dropline_queue_tick.length
    WHERE drop_id = p_drop_id;
  END IF;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_queue_tick(uuid, int, boolean) SET lock_timeout = '5s';

-- When a pre-order drop stops taking orders: its ends_at, or earlier its
-- fulfil-by time (release_at + grace), after which an order would time out
-- the moment it was placed. Null when neither is set. The stock functions of
-- pre-orders answer it as the drop's ends_at, so the status every page
-- hears says "ended" from then on.
CREATE FUNCTION dropline_orders_end(p_drop_id uuid) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT least(d.ends_at, ps.release_at + make_interval(secs => ps.fulfill_grace_seconds))
  FROM drops d LEFT JOIN preorder_settings ps ON ps.drop_id = d.id
  WHERE d.id = p_drop_id
$$;

-- Sets a paid pre-order's units aside, as before, but never after its own
-- fulfil-by time or the drop's end for orders: the caller refunds it.
CREATE OR REPLACE FUNCTION dropline_reserve_preorder(p_preorder_id uuid)
RETURNS TABLE (
  outcome text, drop_id uuid, preorder_status text,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  o preorders%ROWTYPE;
  v_drop_id uuid;
  v_open int;
  v_orders_end timestamptz;
BEGIN
  SELECT po.drop_id INTO v_drop_id FROM preorders po WHERE po.id = p_preorder_id;
  IF NOT FOUND THEN
    outcome := 'NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO d FROM drops WHERE id = v_drop_id FOR UPDATE;
  SELECT * INTO o FROM preorders po WHERE po.id = p_preorder_id FOR UPDATE;
  decided_at := clock_timestamp();
  expired := '[]'::jsonb;
  drop_id := v_drop_id;
  v_orders_end := dropline_orders_end(v_drop_id);
  IF o.status <> 'paid' THEN
    outcome := 'NOT_PAID';
  ELSIF decided_at < d.starts_at OR (v_orders_end IS NOT NULL AND decided_at >= v_orders_end) OR decided_at >= o.fulfill_by THEN
    outcome := 'DROP_NOT_LIVE';
  ELSE
    SELECT coalesce(sum(po.quantity), 0) INTO v_open FROM preorders po
    WHERE po.drop_id = v_drop_id AND po.user_id = o.user_id AND po.id <> o.id AND po.reserved_at IS NOT NULL AND po.units_released_at IS NULL;
    IF v_open + o.quantity > d.max_per_user THEN
      outcome := 'LIMIT_EXCEEDED';
    ELSIF d.total_stock - d.held_stock - d.sold_stock < o.quantity THEN
      outcome := 'OUT_OF_STOCK';
    ELSE
      o.status := CASE WHEN o.release_at <= decided_at THEN 'awaiting_fulfillment' ELSE 'reserved' END;
      UPDATE preorders SET status = o.status, reserved_at = decided_at, updated_at = decided_at WHERE id = o.id;
      UPDATE drops SET sold_stock = drops.sold_stock + o.quantity, version = drops.version + 1, updated_at = decided_at
      WHERE id = v_drop_id
      RETURNING * INTO d;
      outcome := 'RESERVED';
    END IF;
  END IF;
  preorder_status := o.status::text;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := v_orders_end;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_reserve_preorder(uuid) SET lock_timeout = '5s';

-- Compensation, first step: the order's units go back to the drop, once (as
-- before; the drop's end for orders is answered as its ends_at).
CREATE OR REPLACE FUNCTION dropline_release_preorder_units(p_preorder_id uuid)
RETURNS TABLE (
  outcome text, drop_id uuid,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  o preorders%ROWTYPE;
  v_drop_id uuid;
BEGIN
  SELECT po.drop_id INTO v_drop_id FROM preorders po WHERE po.id = p_preorder_id;
  IF NOT FOUND THEN
    outcome := 'NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO d FROM drops WHERE id = v_drop_id FOR UPDATE;
  SELECT * INTO o FROM preorders po WHERE po.id = p_preorder_id FOR UPDATE;
  decided_at := clock_timestamp();
  expired := '[]'::jsonb;
  drop_id := v_drop_id;
  IF o.reserved_at IS NULL OR o.units_released_at IS NOT NULL THEN
    outcome := 'NOTHING_TO_RELEASE';
  ELSE
    UPDATE preorders SET units_released_at = decided_at, updated_at = decided_at WHERE id = o.id;
    -- Logged in the same transaction: the log never misses a step that was done.
    INSERT INTO preorder_compensations (preorder_id, step, status, attempt, at)
    SELECT o.id, 'release_inventory', 'done', count(*)::int + 1, decided_at
    FROM preorder_compensations pc WHERE pc.preorder_id = o.id AND pc.step = 'release_inventory';
    UPDATE drops SET sold_stock = drops.sold_stock - o.quantity, version = drops.version + 1, updated_at = decided_at
    WHERE id = v_drop_id
    RETURNING * INTO d;
    outcome := 'RELEASED';
  END IF;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := dropline_orders_end(v_drop_id);
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_release_preorder_units(uuid) SET lock_timeout = '5s';
