-- Pre-orders: a drop whose product ships later. Shoppers pay at once; each
-- order then waits (weeks, months) for the release, fulfilment, pickup and
-- delivery. Every wait is a job of the job engine (pg-boss) with a start
-- time; the order's state and its compensation log live here.

-- A drop is a pre-order drop when it has settings here (like drop_queues, a
-- row apart from the drop's, which is every hold's lock).
CREATE TABLE "preorder_settings" (
  "drop_id" UUID NOT NULL,
  "release_at" TIMESTAMPTZ(3) NOT NULL,
  "fulfill_grace_seconds" INTEGER NOT NULL DEFAULT 604800,
  "pickup_reminder_seconds" INTEGER NOT NULL DEFAULT 86400,

  CONSTRAINT "preorder_settings_pkey" PRIMARY KEY ("drop_id"),
  CONSTRAINT "preorder_settings_drop_id_fkey" FOREIGN KEY ("drop_id") REFERENCES "drops"("id") ON DELETE CASCADE,
  CONSTRAINT "preorder_settings_grace_check" CHECK ("fulfill_grace_seconds" BETWEEN 5 AND 31536000),
  CONSTRAINT "preorder_settings_reminder_check" CHECK ("pickup_reminder_seconds" BETWEEN 5 AND 604800)
);

CREATE TYPE "preorder_status" AS ENUM (
  'placed', 'paid', 'reserved', 'awaiting_fulfillment', 'fulfilling', 'picked_up', 'delivered',
  'rejected', 'cancelled', 'timed_out'
);

CREATE TABLE "preorders" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "drop_id" UUID NOT NULL,
  "user_id" UUID NOT NULL,
  "quantity" INTEGER NOT NULL,
  "amount" DECIMAL(16,2) NOT NULL,
  "method" VARCHAR(64) NOT NULL,
  "status" "preorder_status" NOT NULL DEFAULT 'placed',
  "failure_reason" VARCHAR(64),
  "payment_ref" VARCHAR(100),
  -- The units count in the drop's sold_stock from reserved_at until units_released_at.
  "reserved_at" TIMESTAMPTZ(3),
  "units_released_at" TIMESTAMPTZ(3),
  "refunded_at" TIMESTAMPTZ(3),
  -- Fixed when the order is placed: a later edit of the drop's settings does not move it.
  "release_at" TIMESTAMPTZ(3) NOT NULL,
  "fulfill_by" TIMESTAMPTZ(3) NOT NULL,
  "pickup_reminder_seconds" INTEGER NOT NULL,
  "reminders_sent" INTEGER NOT NULL DEFAULT 0,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

  CONSTRAINT "preorders_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "preorders_drop_id_fkey" FOREIGN KEY ("drop_id") REFERENCES "drops"("id"),
  CONSTRAINT "preorders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id"),
  CONSTRAINT "preorders_quantity_check" CHECK ("quantity" > 0),
  CONSTRAINT "preorders_released_check" CHECK ("units_released_at" IS NULL OR "reserved_at" IS NOT NULL),
  CONSTRAINT "preorders_refund_check" CHECK ("refunded_at" IS NULL OR "payment_ref" IS NOT NULL)
);
CREATE INDEX "preorders_by_user" ON "preorders" ("user_id", "created_at" DESC);
CREATE INDEX "preorders_by_drop_status" ON "preorders" ("drop_id", "status");

-- Every attempt of every compensation step, in order: the order's compensation log.
CREATE TABLE "preorder_compensations" (
  "id" BIGINT GENERATED ALWAYS AS IDENTITY,
  "preorder_id" UUID NOT NULL,
  "step" VARCHAR(24) NOT NULL,
  "status" VARCHAR(8) NOT NULL,
  "attempt" INTEGER NOT NULL,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
  "error" VARCHAR(500),

  CONSTRAINT "preorder_compensations_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "preorder_compensations_preorder_id_fkey" FOREIGN KEY ("preorder_id") REFERENCES "preorders"("id"),
  CONSTRAINT "preorder_compensations_step_check" CHECK ("step" IN ('release_inventory', 'refund_payment')),
  CONSTRAINT "preorder_compensations_status_check" CHECK ("status" IN ('done', 'failed'))
);
CREATE INDEX "preorder_compensations_by_order" ON "preorder_compensations" ("preorder_id", "id");

-- Sets the paid order's units aside under the drop's lock: they count as
-- sold from now on. The drop must be live, the units there, and the
-- shopper within maxPerUser across their open orders.
CREATE FUNCTION dropline_reserve_preorder(p_preorder_id uuid)
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
  IF o.status <> 'paid' THEN
    outcome := 'NOT_PAID';
  ELSIF decided_at < d.starts_at OR (d.ends_at IS NOT NULL AND decided_at >= d.ends_at) THEN
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
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_reserve_preorder(uuid) SET lock_timeout = '5s';

-- Compensation, first step: the order's units go back to the drop, once.
CREATE FUNCTION dropline_release_preorder_units(p_preorder_id uuid)
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
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_release_preorder_units(uuid) SET lock_timeout = '5s';

-- Holds: refused on a pre-order drop (the rest as before).
CREATE OR REPLACE FUNCTION dropline_take_hold(p_drop_id uuid, p_user_id uuid, p_quantity int)
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
        INSERT INTO reservations (id, drop_id, user_id, quantity, unit_price, status, created_at, expires_at)
        VALUES (gen_random_uuid(), p_drop_id, p_user_id, p_quantity, d.price, 'active',
                decided_at, decided_at + make_interval(secs => d.hold_seconds))
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
