-- A stuck client must not hold a drop row, and a request must not wait for
-- one forever. These limits live on the functions themselves rather than on
-- connections: poolers such as PgBouncer refuse unknown startup parameters,
-- and a function-level setting holds whatever the connection path.
-- A request that times out waiting for a busy drop gets 503 and may retry.
ALTER FUNCTION dropline_take_hold(uuid, uuid, int) SET lock_timeout = '5s';
ALTER FUNCTION dropline_complete_purchase(uuid, uuid, text, text) SET lock_timeout = '5s';
ALTER FUNCTION dropline_release_hold(uuid, uuid) SET lock_timeout = '5s';
-- The sweeper skips locked drops; this bounds waits on single reservation rows.
ALTER FUNCTION dropline_expire_due_holds(int) SET lock_timeout = '5s';
