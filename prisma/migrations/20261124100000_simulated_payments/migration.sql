-- The simulated payment provider's own records. Like a real provider it keeps
-- each charge under the caller's idempotency key, in PostgreSQL, so a retry
-- after a timeout, a crash or a restart finds the same charge instead of
-- making a second one, and a refund happens at most once.
CREATE TABLE "simulated_charges" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "idempotency_key" VARCHAR(200) NOT NULL,
  "amount" DECIMAL(16,2) NOT NULL,
  "method" VARCHAR(64) NOT NULL,
  -- pending: the provider answered a transient error and has not decided yet (sim_flaky).
  "status" VARCHAR(16) NOT NULL,
  "decline_reason" VARCHAR(64),
  -- Calls made under this key, the first included.
  "attempts" INTEGER NOT NULL DEFAULT 1,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "refunded_at" TIMESTAMPTZ(3),

  CONSTRAINT "simulated_charges_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "simulated_charges_status_check" CHECK ("status" IN ('pending', 'approved', 'declined', 'refunded')),
  CONSTRAINT "simulated_charges_refund_check" CHECK (("status" = 'refunded') = ("refunded_at" IS NOT NULL))
);
CREATE UNIQUE INDEX "simulated_charges_idempotency_key_key" ON "simulated_charges" ("idempotency_key");

-- dropline_complete_purchase answers the payment reference of the sale it
-- found. The caller used to read it by joining purchases outside the call,
-- with the snapshot of its statement's start: a sale committed while the call
-- waited for the drop's lock was invisible there, so a concurrent second
-- request for the same hold, paying with the same (idempotent) charge, took
-- that charge for a spare one and refunded the sale's own payment. The mock
-- gateway hid it; the simulated provider's records showed it.
DROP FUNCTION dropline_complete_purchase(uuid, uuid, text, text);
CREATE FUNCTION dropline_complete_purchase(
  p_reservation_id uuid, p_user_id uuid, p_confirmation_code text, p_payment_ref text
)
RETURNS TABLE (
  outcome text, purchase_id uuid, drop_id uuid, quantity int, amount_paid numeric, confirmation_code text,
  purchased_at timestamptz, hold_status text, payment_ref text,
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
  -- Read under the lock: on ALREADY_PURCHASED it is the charge that paid for the sale, which the
  -- caller compares with its own before refunding that one.
  payment_ref := p.payment_ref;
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
ALTER FUNCTION dropline_complete_purchase(uuid, uuid, text, text) SET lock_timeout = '5s';
