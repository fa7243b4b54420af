// bare: the bare minimum of a hold, as a second reference for hot-drop. One
// statement: an UPDATE of the drop's counters WHERE a unit is left, whose CTE
// inserts the hold into a table with no index, key or constraint (only the
// drops row is found by its primary key). Own tables (bench_bare_*), created
// for the scenario and dropped after it; same pool size, same concurrencies,
// same durable commit as reference. What the database cannot go below for
// "take one unit, record who took it" on one row.
import { sqlBurst } from "./reference.mjs";

export const BARE_SQL = `
WITH u AS (
  UPDATE bench_bare_drops SET held_stock = held_stock + 1, version = version + 1
  WHERE id = $1 AND total_stock - held_stock - sold_stock >= 1
  RETURNING id, price, hold_seconds
)
INSERT INTO bench_bare_holds (id, drop_id, user_id, quantity, unit_price, created_at, expires_at)
SELECT gen_random_uuid(), u.id, $2, 1, u.price, clock_timestamp(), clock_timestamp() + make_interval(secs => u.hold_seconds)
FROM u
RETURNING id AS hold_id`;

export default async function bare(ctx) {
  const count = ctx.settings.holds;
  await ctx.shoppers.ensure(count);
  const poolSize = Number(ctx.serverEnv.DB_POOL_SIZE);
  const rows = [];
  await ctx.db.query(`
    DROP TABLE IF EXISTS bench_bare_holds, bench_bare_drops;
    CREATE TABLE bench_bare_drops (id uuid PRIMARY KEY, price numeric(10, 2) NOT NULL, total_stock int NOT NULL, held_stock int NOT NULL DEFAULT 0,
                                   sold_stock int NOT NULL DEFAULT 0, hold_seconds int NOT NULL, version int NOT NULL DEFAULT 1);
    CREATE TABLE bench_bare_holds (id uuid, drop_id uuid, user_id uuid, quantity int, unit_price numeric(10, 2), created_at timestamptz, expires_at timestamptz);`);
  try {
    for (const connections of ctx.settings.connections) {
      const { rows: [drop] } = await ctx.db.query(
        `INSERT INTO bench_bare_drops (id, price, total_stock, hold_seconds) VALUES (gen_random_uuid(), 10.00, $1, 3600) RETURNING id::text`,
        [count * 2],
      );
      await ctx.db.query("VACUUM (ANALYZE) bench_bare_drops, bench_bare_holds");
      const ids = ctx.shoppers.ids;
      const run = await sqlBurst(ctx, { sql: BARE_SQL, params: (i) => [drop.id, ids[i]], count, connections, poolSize, applicationName: "dropline-bench-bare" });
      const { rows: [check] } = await ctx.db.query(
        `SELECT d.held_stock, d.total_stock, (SELECT count(*)::int FROM bench_bare_holds h WHERE h.drop_id = d.id) AS holds FROM bench_bare_drops d WHERE d.id = $1`,
        [drop.id],
      );
      if (check.held_stock !== run.granted || check.holds !== run.granted || check.held_stock > check.total_stock) {
        throw new Error(`bare c${connections}: ${run.granted} holds reported, counter ${check.held_stock}, ${check.holds} rows, total ${check.total_stock}`);
      }
      rows.push({ scenario: "bare", setup: `${connections} in flight, pg pool ${poolSize}`, ...run });
    }
  } finally {
    await ctx.db.query("DROP TABLE IF EXISTS bench_bare_holds, bench_bare_drops").catch(() => undefined);
  }
  return { rows };
}
