// reference: the raw database ceiling for the same work. A plain node-postgres
// pool (size = the server's DB_POOL_SIZE) takes one-unit holds for distinct
// shoppers on one drop, each with ONE conditional statement, at the same
// concurrencies as hot-drop. No HTTP, no server code, same database.
// The server is not involved, so it runs once per bench run (in the first
// phase); hot-drop at every process count is compared with it.
import pg from "pg";
import { activeHolds } from "../lib/holds.mjs";
import { countInto, latencySummary, runPool } from "../lib/http.mjs";

// Locks the drop row only if a unit is left, inserts the hold, bumps the counters and version.
export const HOLD_SQL = `
WITH d AS (
  SELECT id, price, hold_seconds FROM drops
  WHERE id = $1 AND total_stock - held_stock - sold_stock >= 1
  FOR UPDATE
), r AS (
  INSERT INTO reservations (id, drop_id, user_id, quantity, unit_price, status, created_at, expires_at)
  SELECT gen_random_uuid(), d.id, $2, 1, d.price, 'active', clock_timestamp(), clock_timestamp() + make_interval(secs => d.hold_seconds)
  FROM d
  RETURNING id
), u AS (
  UPDATE drops SET held_stock = drops.held_stock + 1, version = drops.version + 1, updated_at = clock_timestamp()
  FROM d WHERE drops.id = d.id
  RETURNING drops.version
)
SELECT (SELECT id FROM r) AS hold_id, (SELECT version FROM u) AS version`;

/**
 * `count` calls of `sql` with params(i) from a pool of `poolSize` connections, `connections` in
 * flight; a call whose first row has a non-null hold_id is a hold. Returns a bench row (no checks).
 */
export async function sqlBurst(ctx, { sql, params, count, connections, poolSize, applicationName }) {
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: poolSize, application_name: applicationName });
  try {
    await Promise.all(Array.from({ length: poolSize }, () => pool.query("SELECT 1"))); // open every connection first
    await ctx.beforeTimed();
    const latencies = new Float64Array(count);
    const codes = {};
    const timeline = [];
    const meter = ctx.cpuMeter();
    const started = performance.now();
    await runPool(count, connections, async (i) => {
      const t0 = performance.now();
      const { rows: [row] } = await pool.query(sql, params(i));
      const t1 = performance.now();
      latencies[i] = t1 - t0;
      countInto(codes, row?.hold_id ? "held" : "out of stock");
      const second = Math.floor((t1 - started) / 1000);
      while (timeline.length <= second) timeline.push([0, 0, 0]);
      timeline[second][row?.hold_id ? 0 : 1]++;
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = meter.end();
    const granted = codes.held ?? 0;
    return {
      connections,
      requests: count,
      granted,
      perSecond: Math.round(granted / seconds),
      wallSeconds: Math.round(seconds * 100) / 100,
      ...latencySummary(latencies),
      codes,
      serverErrors: 0,
      cpu,
      timeline,
    };
  } finally {
    await pool.end();
  }
}

export default async function reference(ctx) {
  const count = ctx.settings.holds;
  await ctx.shoppers.ensure(count);
  const poolSize = Number(ctx.serverEnv.DB_POOL_SIZE);
  const rows = [];
  for (const connections of ctx.settings.connections) {
    const drop = await ctx.createDrop({ name: `Reference c${connections}`, totalStock: count * 2, holdSeconds: 3600, maxPerUser: 1 });
    const ids = ctx.shoppers.ids;
    const run = await sqlBurst(ctx, { sql: HOLD_SQL, params: (i) => [drop.id, ids[i]], count, connections, poolSize, applicationName: "dropline-bench-reference" });
    await ctx.checkInvariant([drop.id]);
    const held = await activeHolds(ctx.db, drop.id);
    if (held !== run.granted) throw new Error(`reference c${connections}: ${run.granted} holds reported but ${held} active in the database`);
    rows.push({ scenario: "reference", setup: `${connections} in flight, pg pool ${poolSize}`, ...run });
  }
  return { rows };
}
