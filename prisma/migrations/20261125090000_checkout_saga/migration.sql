-- Checkout as a saga: each payment attempt on a hold is a checkout row whose
-- steps (charge, sale, compensation) are recorded here, so any process can
-- resume or compensate it after a crash. A sale makes one ticket per unit and
-- queues its notifications in the same transaction (an outbox); every step of
-- a hold's life that has no row of its own is appended to hold_events.

ALTER TABLE "users" ADD COLUMN "email" VARCHAR(254), ADD COLUMN "phone" VARCHAR(16);

-- While a payment is in flight the hold is not expired, up to this time
-- (its expires_at + 30 s at most): the sweeper and the lazy release skip it.
ALTER TABLE "reservations" ADD COLUMN "payment_until" TIMESTAMPTZ(3);
-- The failures view counts holds that ran out in the last minutes.
CREATE INDEX "reservations_expired_by_end" ON "reservations" ("ended_at") WHERE "status" = 'expired';

CREATE TYPE "checkout_status" AS ENUM ('processing', 'completed', 'failed');

CREATE TABLE "checkouts" (
  -- Also the purchase's id: a purchase answered "processing" keeps its id when it completes.
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "reservation_id" UUID NOT NULL,
  "user_id" UUID NOT NULL,
  "drop_id" UUID NOT NULL,
  "method" VARCHAR(64) NOT NULL,
  "amount" DECIMAL(16,2) NOT NULL,
  "status" "checkout_status" NOT NULL DEFAULT 'processing',
  -- What the provider said: none yet, pending (it waits on the shopper or itself), approved, declined, unreachable.
  "charge_status" VARCHAR(16) NOT NULL DEFAULT 'none',
  "payment_ref" VARCHAR(100),
  "failure_reason" VARCHAR(64),
  -- The approved charge of a checkout that did not end in a sale was voided (the compensation's one step).
  "voided_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "ended_at" TIMESTAMPTZ(3),

  CONSTRAINT "checkouts_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "checkouts_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservations"("id"),
  CONSTRAINT "checkouts_charge_status_check" CHECK ("charge_status" IN ('none', 'pending', 'approved', 'declined', 'unreachable')),
  -- No sale without an approved payment.
  CONSTRAINT "checkouts_sale_paid_check" CHECK ("status" <> 'completed' OR ("charge_status" = 'approved' AND "payment_ref" IS NOT NULL)),
  CONSTRAINT "checkouts_void_check" CHECK ("voided_at" IS NULL OR ("status" = 'failed' AND "payment_ref" IS NOT NULL))
);
-- One payment in flight per hold: a second POST while one runs gets that one.
CREATE UNIQUE INDEX "checkouts_one_in_flight" ON "checkouts" ("reservation_id") WHERE "status" = 'processing';
CREATE INDEX "checkouts_by_reservation" ON "checkouts" ("reservation_id", "created_at");
CREATE UNIQUE INDEX "checkouts_payment_ref_key" ON "checkouts" ("payment_ref") WHERE "payment_ref" IS NOT NULL;
-- Checkouts still owing something: in flight, or failed with a charge not yet voided.
CREATE INDEX "checkouts_unsettled" ON "checkouts" ("created_at")
  WHERE "status" = 'processing' OR ("status" = 'failed' AND "payment_ref" IS NOT NULL AND "voided_at" IS NULL);

CREATE INDEX "checkouts_by_user" ON "checkouts" ("user_id", "created_at" DESC);

-- A sale made by a checkout has the checkout's id.
ALTER TABLE "purchases" ADD COLUMN "checkout_id" UUID;
CREATE UNIQUE INDEX "purchases_checkout_id_key" ON "purchases" ("checkout_id");

CREATE TYPE "ticket_status" AS ENUM ('valid', 'used', 'void');
CREATE TABLE "tickets" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "purchase_id" UUID NOT NULL,
  "user_id" UUID NOT NULL,
  "drop_id" UUID NOT NULL,
  -- 128 random bits from the server, never derived from ids: a code cannot be guessed from another.
  "code" VARCHAR(40) NOT NULL,
  "seq" INTEGER NOT NULL,
  "status" "ticket_status" NOT NULL DEFAULT 'valid',
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "used_at" TIMESTAMPTZ(3),

  CONSTRAINT "tickets_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "tickets_purchase_id_fkey" FOREIGN KEY ("purchase_id") REFERENCES "purchases"("id"),
  CONSTRAINT "tickets_used_check" CHECK (("status" = 'used') = ("used_at" IS NOT NULL))
);
CREATE UNIQUE INDEX "tickets_code_key" ON "tickets" ("code");
CREATE UNIQUE INDEX "tickets_purchase_seq_key" ON "tickets" ("purchase_id", "seq");

-- The hold's timeline, append-only. Events the hold's own rows already record
-- (created, cancelled, expired, admitted from the line) are read from them;
-- this log holds the rest: payments, the sale, tickets, notifications.
CREATE TABLE "hold_events" (
  "id" BIGINT GENERATED ALWAYS AS IDENTITY,
  "reservation_id" UUID NOT NULL,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
  "type" VARCHAR(40) NOT NULL,
  "detail" JSONB,

  CONSTRAINT "hold_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "hold_events_by_reservation" ON "hold_events" ("reservation_id", "id");
CREATE INDEX "hold_events_failures" ON "hold_events" ("at")
  WHERE "type" IN ('payment_failed', 'payment_voided', 'notification_failed');

CREATE FUNCTION dropline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'hold_events is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER "hold_events_append_only" BEFORE UPDATE OR DELETE ON "hold_events"
  FOR EACH ROW EXECUTE FUNCTION dropline_append_only();

-- The outbox: a message is queued in the transaction of the change that
-- causes it, then handed to the job engine (dispatched_at) which delivers it.
CREATE TABLE "outbox_messages" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "channel" VARCHAR(8) NOT NULL,
  "recipient" VARCHAR(254) NOT NULL,
  -- What to say (purchase_completed, cart_expired) and with what: rendered when sent and when shown.
  "template" VARCHAR(40) NOT NULL,
  "data" JSONB NOT NULL,
  "reservation_id" UUID,
  "user_id" UUID,
  "status" VARCHAR(8) NOT NULL DEFAULT 'pending',
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "last_error" VARCHAR(500),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
  "dispatched_at" TIMESTAMPTZ(3),
  "sent_at" TIMESTAMPTZ(3),

  CONSTRAINT "outbox_messages_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "outbox_messages_channel_check" CHECK ("channel" IN ('email', 'sms')),
  CONSTRAINT "outbox_messages_status_check" CHECK ("status" IN ('pending', 'sent', 'failed')),
  CONSTRAINT "outbox_messages_sent_check" CHECK (("status" = 'sent') = ("sent_at" IS NOT NULL))
);
-- One message per cause and channel: a retried change cannot queue it twice.
CREATE UNIQUE INDEX "outbox_messages_cause_key" ON "outbox_messages" ("reservation_id", "template", "channel");
CREATE INDEX "outbox_messages_undispatched" ON "outbox_messages" ("created_at") WHERE "dispatched_at" IS NULL;
CREATE INDEX "outbox_messages_by_status" ON "outbox_messages" ("status", "created_at" DESC);

-- Stripe webhook events applied, by event id: a duplicate delivery is applied once.
CREATE TABLE "stripe_events" (
  "id" VARCHAR(255) NOT NULL,
  "type" VARCHAR(100) NOT NULL,
  "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

  CONSTRAINT "stripe_events_pkey" PRIMARY KEY ("id")
);

-- The simulated provider voids (refunds) an approved charge at most once; the status keeps its name.

-- Lapsed holds: a hold whose payment is in flight is skipped until payment_until;
-- a shopper with an email address gets a "cart expired" message in the same transaction.
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
      RETURNING id, user_id, quantity, created_at, expires_at
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
             'id', g.id, 'userId', g.user_id, 'quantity', g.quantity,
             'createdAt', g.created_at, 'expiresAt', g.expires_at)), '[]'::jsonb)
    FROM gone g
  $sql$ INTO freed, expired USING p_drop_id, p_now;
END
$$;

-- A shopper cancelling a hold whose payment is in flight cancels it (their
-- choice); the payment, when it ends, finds the hold gone and is voided.
-- The lazy release above is the only other change here.

-- Starts a payment on a hold. Locks only the hold's row, never the drop's: a
-- payment starting does not queue behind the drop's holds.
CREATE FUNCTION dropline_start_checkout(p_reservation_id uuid, p_user_id uuid, p_method text)
RETURNS TABLE (outcome text, checkout_id uuid, drop_id uuid, amount numeric, expires_at timestamptz, payment_until timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  h reservations%ROWTYPE;
  v_now timestamptz := clock_timestamp();
BEGIN
  SELECT * INTO h FROM reservations r WHERE r.id = p_reservation_id AND r.user_id = p_user_id FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  drop_id := h.drop_id;
  expires_at := h.expires_at;
  IF h.status = 'completed' THEN
    SELECT coalesce(p.checkout_id, p.id) INTO checkout_id FROM purchases p WHERE p.reservation_id = h.id;
    outcome := 'ALREADY_PURCHASED';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT c.id INTO checkout_id FROM checkouts c WHERE c.reservation_id = h.id AND c.status = 'processing';
  IF FOUND THEN
    outcome := 'IN_FLIGHT';
    RETURN NEXT;
    RETURN;
  END IF;
  IF h.status <> 'active' OR h.expires_at <= v_now THEN
    outcome := 'NOT_ACTIVE';
    RETURN NEXT;
    RETURN;
  END IF;
  amount := h.unit_price * h.quantity;
  payment_until := h.expires_at + interval '30 seconds';
  INSERT INTO checkouts (reservation_id, user_id, drop_id, method, amount, created_at, updated_at)
  VALUES (h.id, h.user_id, h.drop_id, p_method, amount, v_now, v_now)
  RETURNING id INTO checkout_id;
  UPDATE reservations SET payment_until = dropline_start_checkout.payment_until WHERE id = h.id;
  INSERT INTO hold_events (reservation_id, at, type, detail)
  VALUES (h.id, v_now, 'payment_started', jsonb_build_object('purchaseId', checkout_id, 'method', p_method, 'amount', amount::text));
  outcome := 'STARTED';
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_start_checkout(uuid, uuid, text) SET lock_timeout = '5s';

-- Ends a checkout whose payment is approved (and recorded as such): the sale,
-- its tickets and its notifications in one transaction under the drop's lock.
-- A hold that is no longer there (cancelled, or expired past its payment's
-- protection) fails the checkout instead: the caller voids the charge.
CREATE FUNCTION dropline_complete_checkout(p_checkout_id uuid, p_confirmation_code text, p_ticket_codes text[])
RETURNS TABLE (
  outcome text, purchase_id uuid, drop_id uuid, user_id uuid, reservation_id uuid, quantity int, amount_paid numeric,
  confirmation_code text, purchased_at timestamptz, hold_created_at timestamptz, hold_expires_at timestamptz,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  h reservations%ROWTYPE;
  c checkouts%ROWTYPE;
  p purchases%ROWTYPE;
  u users%ROWTYPE;
  v_drop_id uuid;
  v_freed int := 0;
  v_data jsonb;
BEGIN
  SELECT ch.drop_id INTO v_drop_id FROM checkouts ch WHERE ch.id = p_checkout_id;
  IF NOT FOUND THEN
    outcome := 'NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO d FROM drops WHERE id = v_drop_id FOR UPDATE;
  SELECT * INTO c FROM checkouts ch WHERE ch.id = p_checkout_id FOR UPDATE;
  SELECT * INTO h FROM reservations r WHERE r.id = c.reservation_id;
  decided_at := clock_timestamp();

  IF c.status = 'completed' THEN
    SELECT * INTO p FROM purchases pu WHERE pu.checkout_id = c.id;
    outcome := 'ALREADY_COMPLETED';
  ELSIF c.status = 'failed' THEN
    outcome := 'FAILED';
  ELSIF c.charge_status <> 'approved' THEN
    RAISE EXCEPTION 'checkout % has no approved payment', c.id USING ERRCODE = 'check_violation';
  ELSIF h.status = 'active' AND (h.expires_at > decided_at OR h.payment_until > decided_at) THEN
    UPDATE reservations SET status = 'completed', ended_at = decided_at, payment_until = NULL WHERE id = h.id;
    INSERT INTO purchases (id, reservation_id, drop_id, user_id, quantity, amount_paid, confirmation_code, payment_ref, created_at, checkout_id)
    VALUES (c.id, h.id, h.drop_id, h.user_id, h.quantity, c.amount, p_confirmation_code, c.payment_ref, decided_at, c.id)
    RETURNING * INTO p;
    INSERT INTO tickets (purchase_id, user_id, drop_id, code, seq, created_at)
    SELECT p.id, h.user_id, h.drop_id, t.code, t.seq::int, decided_at
    FROM unnest(p_ticket_codes) WITH ORDINALITY AS t(code, seq);
    UPDATE checkouts SET status = 'completed', updated_at = decided_at, ended_at = decided_at WHERE id = c.id;
    INSERT INTO hold_events (reservation_id, at, type, detail)
    SELECT h.id, decided_at, 'purchase_completed', jsonb_build_object('purchaseId', p.id, 'confirmationCode', p.confirmation_code, 'amountPaid', p.amount_paid::text)
    UNION ALL
    SELECT h.id, decided_at, 'ticket_issued', jsonb_build_object('ticketId', t.id, 'seq', t.seq)
    FROM (SELECT tk.id, tk.seq FROM tickets tk WHERE tk.purchase_id = p.id ORDER BY tk.seq) t;
    SELECT * INTO u FROM users WHERE id = h.user_id;
    v_data := jsonb_build_object(
      'dropName', d.name, 'dropId', d.id, 'username', u.username, 'quantity', h.quantity, 'amountPaid', p.amount_paid::text,
      'confirmationCode', p.confirmation_code, 'purchaseId', p.id, 'tickets', to_jsonb(p_ticket_codes));
    INSERT INTO outbox_messages (channel, recipient, template, data, reservation_id, user_id, created_at)
    SELECT m.channel, m.recipient, 'purchase_completed', v_data, h.id, h.user_id, decided_at
    FROM (VALUES ('email', u.email), ('sms', u.phone)) AS m(channel, recipient)
    WHERE m.recipient IS NOT NULL
    ON CONFLICT DO NOTHING;
    d.held_stock := d.held_stock - h.quantity;
    d.sold_stock := d.sold_stock + h.quantity;
    outcome := 'PURCHASED';
  ELSE
    UPDATE checkouts SET status = 'failed', failure_reason = 'hold_ended', updated_at = decided_at, ended_at = decided_at WHERE id = c.id;
    UPDATE reservations SET payment_until = NULL WHERE id = h.id AND status = 'active';
    outcome := 'HOLD_ENDED';
  END IF;

  SELECT r.freed, r.expired INTO v_freed, expired FROM dropline_release_lapsed(v_drop_id, decided_at) r;
  d.held_stock := d.held_stock - v_freed;
  IF v_freed > 0 OR outcome = 'PURCHASED' THEN
    UPDATE drops SET held_stock = d.held_stock, sold_stock = d.sold_stock, version = drops.version + 1, updated_at = decided_at
    WHERE id = v_drop_id
    RETURNING drops.version INTO d.version;
  END IF;

  purchase_id := p.id;
  drop_id := v_drop_id;
  user_id := c.user_id;
  reservation_id := c.reservation_id;
  quantity := h.quantity;
  amount_paid := c.amount;
  confirmation_code := p.confirmation_code;
  purchased_at := p.created_at;
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
ALTER FUNCTION dropline_complete_checkout(uuid, text, text[]) SET lock_timeout = '5s';

-- Ends a checkout whose payment will not pay: declined, unreachable, given up.
-- The hold is the shopper's again until its expires_at. Only the checkout's
-- and the hold's rows are locked, never the drop's: a decline changes no
-- stock, and must not queue behind the drop's sales (measured: a declined
-- checkout spent 12.5 of its 13 ms waiting for the drop row). When the hold's
-- time has already passed (`hold_lapsed`), the caller releases it at once
-- with dropline_release_drop.
CREATE FUNCTION dropline_fail_checkout(p_checkout_id uuid, p_charge_status text, p_reason text)
RETURNS TABLE (outcome text, drop_id uuid, user_id uuid, reservation_id uuid, hold_lapsed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  c checkouts%ROWTYPE;
  v_now timestamptz := clock_timestamp();
BEGIN
  SELECT * INTO c FROM checkouts ch WHERE ch.id = p_checkout_id FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'NOT_FOUND';
    RETURN NEXT;
    RETURN;
  END IF;
  drop_id := c.drop_id;
  user_id := c.user_id;
  reservation_id := c.reservation_id;
  hold_lapsed := false;
  IF c.status <> 'processing' THEN
    outcome := 'ALREADY_ENDED';
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE checkouts SET status = 'failed', charge_status = p_charge_status, failure_reason = p_reason,
                       updated_at = v_now, ended_at = v_now
  WHERE id = c.id;
  UPDATE reservations r SET payment_until = NULL
  WHERE r.id = c.reservation_id AND r.status = 'active'
  RETURNING r.expires_at <= v_now INTO hold_lapsed;
  hold_lapsed := coalesce(hold_lapsed, false);
  outcome := 'FAILED';
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_fail_checkout(uuid, text, text) SET lock_timeout = '5s';

-- Releases one drop's lapsed holds now (the sweeper's work, for one drop).
CREATE FUNCTION dropline_release_drop(p_drop_id uuid)
RETURNS TABLE (
  drop_id uuid, total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  v_freed int;
BEGIN
  SELECT * INTO d FROM drops WHERE id = p_drop_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  decided_at := clock_timestamp();
  SELECT r.freed, r.expired INTO v_freed, expired FROM dropline_release_lapsed(p_drop_id, decided_at) r;
  IF v_freed > 0 THEN
    UPDATE drops SET held_stock = drops.held_stock - v_freed, version = drops.version + 1, updated_at = decided_at
    WHERE id = p_drop_id
    RETURNING * INTO d;
  END IF;
  drop_id := p_drop_id;
  total_stock := d.total_stock;
  held_stock := d.held_stock;
  sold_stock := d.sold_stock;
  version := d.version;
  starts_at := d.starts_at;
  ends_at := d.ends_at;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_release_drop(uuid) SET lock_timeout = '5s';

-- A purchase as the API shows it: every checkout (processing, completed or
-- failed) under its id, and sales made before checkouts existed.
CREATE VIEW "purchase_views" AS
SELECT c.id, c.user_id, c.drop_id, c.reservation_id, r.quantity, c.amount AS amount_paid, p.confirmation_code,
       coalesce(p.created_at, c.created_at) AS created_at, c.status::text AS status, c.failure_reason, c.method,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id, 'code', t.code, 'status', t.status) ORDER BY t.seq)
                 FROM tickets t WHERE t.purchase_id = p.id), '[]'::jsonb) AS tickets
FROM checkouts c JOIN reservations r ON r.id = c.reservation_id LEFT JOIN purchases p ON p.checkout_id = c.id
UNION ALL
SELECT p.id, p.user_id, p.drop_id, p.reservation_id, p.quantity, p.amount_paid, p.confirmation_code,
       p.created_at, 'completed', NULL, NULL,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id, 'code', t.code, 'status', t.status) ORDER BY t.seq)
                 FROM tickets t WHERE t.purchase_id = p.id), '[]'::jsonb)
FROM purchases p WHERE p.checkout_id IS NULL;

-- The direct purchase is replaced by the checkout above.
DROP FUNCTION dropline_complete_purchase(uuid, uuid, text, text);
