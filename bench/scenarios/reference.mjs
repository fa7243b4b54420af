// reference: the raw database ceiling for the same work. A plain node-postgres
// pool (size = the server's DB_POOL_SIZE) takes one-unit holds for distinct
// shoppers on one drop, each with ONE conditional statement, at the same
// concurrencies as hot-drop. No HTTP, no server code, same database.
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

export default async function reference(ctx) {
  const count = ctx.settings.holds;
  await ctx.shoppers.ensure(count);
  const poolSize = Number(ctx.serverEnv.DB_POOL_SIZE);
  const rows = [];
  for (const connections of ctx.settings.connections) {
    const drop = await ctx.createDrop({ name: `Reference c${connections}`, totalStock: count * 2, holdSeconds: 3600, maxPerUser: 1 });
    const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: poolSize, application_name: "dropline-bench-reference" });
    try {
      await Promise.all(Array.from({ length: poolSize }, () => pool.query("SELECT 1"))); // open every connection first
      await ctx.beforeTimed();
      const latencies = new Float64Array(count);
      const codes = {};
      const ids = ctx.shoppers.ids;
      const timeline = [];
      const meter = ctx.cpuMeter();
      const started = performance.now();
      await runPool(count, connections, async (i) => {
        const t0 = performance.now();
        const { rows: [row] } = await pool.query(HOLD_SQL, [drop.id, ids[i]]);
        const t1 = performance.now();
        latencies[i] = t1 - t0;
        countInto(codes, row.hold_id ? "held" : "out of stock");
        const second = Math.floor((t1 - started) / 1000);
        while (timeline.length <= second) timeline.push([0, 0, 0]);
        timeline[second][row.hold_id ? 0 : 1]++;
      });
      const seconds = (performance.now() - started) / 1000;
      const cpu = meter.end();
      await ctx.checkInvariant([drop.id]);
      const granted = codes.held ?? 0;
      const held = await activeHolds(ctx.db, drop.id);
      if (held !== granted) throw new Error(`reference c${connections}: ${granted} holds reported but ${held} active in the database`);
      rows.push({
        scenario: "reference",
        setup: `${connections} in flight, pg pool ${poolSize}`,
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
      });
    } finally {
      await pool.end();
    }
  }
  return { rows };
}
