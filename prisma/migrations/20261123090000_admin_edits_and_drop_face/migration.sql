-- A drop's face on a shared link: an optional product image and description.
ALTER TABLE "drops" ADD COLUMN "image_url" VARCHAR(2048), ADD COLUMN "description" VARCHAR(2000);

-- Which server process claimed an Idempotency-Key: the process holds a session
-- advisory lock on (1146244944, owner) for its whole life, so a claim whose
-- owner holds no such lock was left by a process that died, and a retry may
-- take it over at once instead of waiting for the claim to age out.
ALTER TABLE "idempotency_keys" ADD COLUMN "owner" INTEGER;

-- An admin edit is a stock change like any other, in the same lock order as
-- the other functions (drop row first, then the clock, then fresh reads).
-- p_patch holds only the fields sent: a key present with null clears it.
-- When the edit leaves the drop not live (endsAt moved into the past,
-- startsAt into the future), its active holds end at once, as expired: their
-- units go back, and their owners are told like any other expiry.
CREATE FUNCTION dropline_update_drop(p_drop_id uuid, p_patch jsonb)
RETURNS TABLE (
  outcome text, committed int,
  total_stock int, held_stock int, sold_stock int, version int, starts_at timestamptz, ends_at timestamptz,
  decided_at timestamptz, expired jsonb
)
LANGUAGE plpgsql AS $$
DECLARE
  d drops%ROWTYPE;
  v_freed int;
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
    IF decided_at < d.starts_at OR (d.ends_at IS NOT NULL AND decided_at >= d.ends_at) THEN
      WITH ended AS (
        UPDATE reservations r
        SET status = 'expired', ended_at = decided_at,
            -- The deadline moves to now (kept after created_at, as the CHECK wants).
            expires_at = least(r.expires_at, greatest(decided_at, r.created_at + interval '1 millisecond'))
        WHERE r.drop_id = p_drop_id AND r.status = 'active'
        RETURNING r.id, r.user_id, r.quantity, r.created_at, r.expires_at
      )
      SELECT coalesce(sum(e.quantity), 0)::int,
             coalesce(jsonb_agg(jsonb_build_object(
               'id', e.id, 'userId', e.user_id, 'quantity', e.quantity,
               'createdAt', e.created_at, 'expiresAt', e.expires_at)), '[]'::jsonb)
      INTO v_ended, v_ended_list
      FROM ended e;
      d.held_stock := d.held_stock - v_ended;
      expired := expired || v_ended_list;
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
