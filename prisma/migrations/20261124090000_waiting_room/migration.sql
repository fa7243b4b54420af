-- A waiting room per drop (opt-in). Its settings and running state are a row
-- of their own, not columns of drops: the drop row is the hot lock of every
-- hold, and nothing a join does may wait behind it.
CREATE TABLE "drop_queues" (
  "drop_id" UUID NOT NULL,
  "admit_per_second" INTEGER NOT NULL,
  "admission_seconds" INTEGER NOT NULL,
  -- NULL: 15 minutes before the drop starts (kept relative when startsAt moves).
  "opens_at" TIMESTAMPTZ(3),
  -- When the pre-queue was drawn; from then on joiners take numbers from the line's sequence.
  "shuffled_at" TIMESTAMPTZ(3),
  "admitted_through" INTEGER NOT NULL DEFAULT 0,
  -- Entries in line (pre-queue or waiting), as last counted by the admission tick.
  "length" INTEGER NOT NULL DEFAULT 0,
  "closed_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

  CONSTRAINT "drop_queues_pkey" PRIMARY KEY ("drop_id"),
  CONSTRAINT "drop_queues_drop_id_fkey" FOREIGN KEY ("drop_id") REFERENCES "drops"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "drop_queues_admit_per_second_check" CHECK ("admit_per_second" BETWEEN 1 AND 10000),
  CONSTRAINT "drop_queues_admission_seconds_check" CHECK ("admission_seconds" BETWEEN 1 AND 3600)
);

CREATE TYPE "queue_entry_status" AS ENUM ('pre_queue', 'waiting', 'admitted', 'lapsed', 'done', 'sold_out', 'left');

CREATE TABLE "queue_entries" (
  "drop_id" UUID NOT NULL,
  "user_id" UUID NOT NULL,
  "status" "queue_entry_status" NOT NULL,
  "number" INTEGER,
  -- For the per-address cap on entries per drop; NULL when limits are off.
  "client_ip" VARCHAR(64),
  "joined_at" TIMESTAMPTZ(3) NOT NULL,
  "admitted_at" TIMESTAMPTZ(3),
  "admitted_until" TIMESTAMPTZ(3),
  "ended_at" TIMESTAMPTZ(3),

  -- No foreign key to drop_queues (or drops): checking it takes a KEY SHARE row lock on the
  -- line's row for every join, and tens of thousands of those on one row turn into multixact
  -- churn that made each join wait (measured: 0.7 ms of 1.2). Entries go when their line is
  -- removed (dropline_remove_queue); drops are never deleted.
  CONSTRAINT "queue_entries_pkey" PRIMARY KEY ("drop_id", "user_id"),
  CONSTRAINT "queue_entries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  -- Only the pre-queue waits without a number.
  CONSTRAINT "queue_entries_number_check" CHECK (("number" IS NULL) = ("status" = 'pre_queue') OR "status" IN ('left', 'sold_out')),
  CONSTRAINT "queue_entries_admitted_check" CHECK ("status" <> 'admitted' OR "admitted_until" IS NOT NULL)
);
CREATE UNIQUE INDEX "queue_entries_number_key" ON "queue_entries" ("drop_id", "number");
-- Admission walks the waiting entries in number order.
CREATE INDEX "queue_entries_waiting_idx" ON "queue_entries" ("drop_id", "number") WHERE "status" = 'waiting';
-- Lapsing admissions, and counting those still open.
CREATE INDEX "queue_entries_admitted_idx" ON "queue_entries" ("drop_id", "admitted_until") WHERE "status" = 'admitted';
-- Positions skip the few who left the line ahead of a shopper.
CREATE INDEX "queue_entries_left_idx" ON "queue_entries" ("drop_id", "number") WHERE "status" = 'left';
-- The pre-queue, drawn once at the start.
CREATE INDEX "queue_entries_pre_queue_idx" ON "queue_entries" ("drop_id", "joined_at") WHERE "status" = 'pre_queue';
CREATE INDEX "queue_entries_client_ip_idx" ON "queue_entries" ("drop_id", "client_ip") WHERE "client_ip" IS NOT NULL;

-- Joins and the two moments that change what a join must do (the draw, the
-- close) exclude each other through an advisory lock per line: joins share
-- it, the draw and the close take it alone. Either the draw or close waits for
-- the joins in flight and sees their entries, or a join waits for it and reads
-- what it did, so no entry slips into the pre-queue after the draw, or into a
-- closed line. An advisory lock lives in memory: unlike a row lock, sharing it
-- among thousands of joins writes nothing.
CREATE FUNCTION dropline_line_lock_key(p_drop_id uuid) RETURNS int
LANGUAGE sql IMMUTABLE AS $$ SELECT hashtext(p_drop_id::text) $$;

-- The sequence that numbers a line's joiners after its pre-queue was drawn
-- (created by the draw). A sequence hands out numbers without a row lock:
-- a counter on drop_queues would serialize 50,000 joins on one row.
CREATE FUNCTION dropline_queue_sequence(p_drop_id uuid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'queue_numbers_' || replace(p_drop_id::text, '-', '') $$;

-- The draw's last step: the line's sequence goes on after the numbers drawn.
CREATE FUNCTION dropline_start_line_numbers(p_drop_id uuid, p_drawn int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I AS integer', dropline_queue_sequence(p_drop_id));
  PERFORM setval(dropline_queue_sequence(p_drop_id)::regclass, greatest(p_drawn, 1), p_drawn > 0);
END
$$;

-- Where a waiting entry stands: the waiting entries ahead of it, plus one.
-- Every number up to admitted_through has been admitted (admission goes in
-- number order), so only the few who left between are subtracted.
CREATE FUNCTION dropline_queue_position(p_drop_id uuid, p_number int, p_admitted_through int) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT p_number - p_admitted_through - (
    SELECT count(*)::int FROM queue_entries e
    WHERE e.drop_id = p_drop_id AND e.status = 'left' AND e.number > p_admitted_through AND e.number < p_number)
$$;

-- A shopper joins a line (or finds their place in it). Outcomes: CREATED,
-- EXISTING, DROP_NOT_FOUND, QUEUE_NOT_ENABLED, QUEUE_NOT_OPEN, QUEUE_CLOSED,
-- TOO_MANY_FROM_ADDRESS, and NEEDS_DRAW (the drop has started but its
-- pre-queue has not been drawn: the caller draws it and asks again).
CREATE FUNCTION dropline_join_queue(p_drop_id uuid, p_user_id uuid, p_client_ip text, p_per_ip_cap int)
RETURNS TABLE (outcome text, entry_status text, entry_number int, entry_position int, joined_at timestamptz,
               admitted_until timestamptz, admitted_through int, admit_per_second int, decided_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  q drop_queues%ROWTYPE;
  d drops%ROWTYPE;
  e queue_entries%ROWTYPE;
  v_count int;
  v_number int;
BEGIN
  SELECT * INTO q FROM drop_queues WHERE drop_id = p_drop_id;
  IF NOT FOUND THEN
    outcome := CASE WHEN EXISTS (SELECT 1 FROM drops WHERE id = p_drop_id) THEN 'QUEUE_NOT_ENABLED' ELSE 'DROP_NOT_FOUND' END;
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO d FROM drops WHERE id = p_drop_id;
  decided_at := clock_timestamp();
  admitted_through := q.admitted_through;

  -- One entry per shopper and drop: a second tab or a refresh finds the same place.
  PERFORM pg_advisory_xact_lock(hashtext(p_drop_id::text), hashtext(p_user_id::text));
  SELECT * INTO e FROM queue_entries WHERE drop_id = p_drop_id AND user_id = p_user_id;
  -- An admission past its time is lapsed already, whether or not the admission tick has marked it.
  IF FOUND AND e.status = 'admitted' AND e.admitted_until <= decided_at THEN
    e.status := 'lapsed';
  END IF;
  -- A closed line answers every join the same way (GET .../queue/me still shows the entry), so
  -- each server can answer it from memory once it knows, whoever asks.
  IF q.closed_at IS NOT NULL OR (d.ends_at IS NOT NULL AND decided_at >= d.ends_at) THEN
    outcome := 'QUEUE_CLOSED';
  ELSIF FOUND AND e.status NOT IN ('left', 'lapsed') THEN
    outcome := 'EXISTING';
  ELSIF decided_at < least(coalesce(q.opens_at, d.starts_at - interval '15 minutes'), d.starts_at) THEN
    outcome := 'QUEUE_NOT_OPEN';
  ELSE
    -- Held until commit (see dropline_line_lock_key); the line is read again after it.
    PERFORM pg_advisory_xact_lock_shared(1146244946, dropline_line_lock_key(p_drop_id));
    SELECT * INTO q FROM drop_queues WHERE drop_id = p_drop_id;
    IF NOT FOUND THEN
      outcome := 'QUEUE_NOT_ENABLED';
    ELSIF q.closed_at IS NOT NULL THEN
      outcome := 'QUEUE_CLOSED';
    ELSIF q.shuffled_at IS NULL AND decided_at >= d.starts_at THEN
      outcome := 'NEEDS_DRAW';
    ELSIF p_client_ip IS NOT NULL AND p_per_ip_cap IS NOT NULL AND e.user_id IS NULL THEN
      -- A shopper coming back after leaving already counts.
      PERFORM pg_advisory_xact_lock(hashtext(p_drop_id::text), hashtext(p_client_ip));
      SELECT count(*) INTO v_count FROM queue_entries WHERE drop_id = p_drop_id AND client_ip = p_client_ip;
      IF v_count >= p_per_ip_cap THEN
        outcome := 'TOO_MANY_FROM_ADDRESS';
      END IF;
    END IF;
    IF outcome IS NULL THEN
      IF q.shuffled_at IS NOT NULL THEN
        v_number := nextval(dropline_queue_sequence(p_drop_id)::regclass);
      END IF;
      IF e.user_id IS NULL THEN
        INSERT INTO queue_entries (drop_id, user_id, status, number, client_ip, joined_at)
        VALUES (p_drop_id, p_user_id, CASE WHEN v_number IS NULL THEN 'pre_queue' ELSE 'waiting' END::queue_entry_status,
                v_number, p_client_ip, decided_at)
        RETURNING * INTO e;
      ELSE
        -- Back after leaving or letting an admission lapse: a new place at the back.
        UPDATE queue_entries SET status = CASE WHEN v_number IS NULL THEN 'pre_queue' ELSE 'waiting' END::queue_entry_status,
          number = v_number, joined_at = decided_at, admitted_at = NULL, admitted_until = NULL, ended_at = NULL
        WHERE drop_id = p_drop_id AND user_id = p_user_id
        RETURNING * INTO e;
      END IF;
      outcome := 'CREATED';
    END IF;
  END IF;

  entry_status := e.status;
  entry_number := e.number;
  joined_at := e.joined_at;
  admitted_until := e.admitted_until;
  admit_per_second := q.admit_per_second;
  IF e.status = 'waiting' THEN
    entry_position := dropline_queue_position(p_drop_id, e.number, q.admitted_through);
  END IF;
  RETURN NEXT;
END
$$;
ALTER FUNCTION dropline_join_queue(uuid, uuid, text, int) SET lock_timeout = '5s';

-- Turning a waiting room off: its line goes with it.
CREATE FUNCTION dropline_remove_queue(p_drop_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1146244946, dropline_line_lock_key(p_drop_id));
  DELETE FROM queue_entries WHERE drop_id = p_drop_id;
  DELETE FROM drop_queues WHERE drop_id = p_drop_id;
  EXECUTE format('DROP SEQUENCE IF EXISTS %I', dropline_queue_sequence(p_drop_id));
END
$$;

-- Admission, for one line, run by one process at a time (the admission
-- leader). Lapses admissions past their time, closes the line when nothing
-- can come back or the drop has ended, pauses while every unit is held, and
-- otherwise admits up to p_credit entries in number order, never more than
-- the units no open admission may claim. Counts the line when p_count.
CREATE FUNCTION dropline_queue_tick(p_drop_id uuid, p_credit int, p_count boolean)
RETURNS TABLE (state text, admitted jsonb, lapsed int, admitted_through int, length int, decided_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  q drop_queues%ROWTYPE;
  d drops%ROWTYPE;
  v_lapsed_held int;
  v_available int;
  v_held int;
  v_open int;
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
    WHERE r.drop_id = p_drop_id AND r.status = 'active' AND r.expires_at <= decided_at;
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
      v_admit := least(p_credit, v_available - v_open);
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

-- A hold on a drop with a waiting room needs an admission still open (or an
-- active hold already, which the call then returns). Checked before the drop
-- row lock, so refusing a shopper who is not admitted never queues behind
-- holds. Taking the hold marks the entry done, in the same transaction.
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
