import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export interface TestDatabase {
  url: string;
  /** A plain pg pool on the same database, for checking what the server committed. */
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject("pgTemplate")}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  return {
    url: url.toString(),
    pool,
    async drop() {
      // pool.end() resolves once it has asked each connection to close, not once they have; a
      // DROP ... WITH (FORCE) just after could still find one, whose "terminating connection"
      // (57P01) then reached a client nobody listened to: an uncaught exception that failed a
      // CI run whose tests had all passed. So each connection is waited for, and a late error heard.
      pool.on("error", () => undefined);
      await endAndWait(pool);
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Ends the pool and resolves once every one of its connections has closed. */
async function endAndWait(pool: pg.Pool): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on("remove", () => {
      if (--open === 0) resolve();
    });
  });
  await pool.end();
  await closed;
}

export interface StockCheck {
  totalStock: number;
  heldStock: number;
  soldStock: number;
  /** Units in active holds, counted row by row. */
  activeHoldUnits: number;
  /** Units in purchases, counted row by row. */
  purchasedUnits: number;
  /** Units in completed holds, counted row by row. */
  completedHoldUnits: number;
}

/** The drop's counters beside a recount from the rows, straight from the database. */
export async function checkStock(pool: pg.Pool, dropId: string): Promise<StockCheck> {
  const { rows } = await pool.query(
    `SELECT d.total_stock, d.held_stock, d.sold_stock,
       (SELECT coalesce(sum(quantity), 0)::int FROM reservations WHERE drop_id = d.id AND status = 'active') AS active_units,
       (SELECT coalesce(sum(quantity), 0)::int FROM purchases WHERE drop_id = d.id) AS purchased_units,
       (SELECT coalesce(sum(quantity), 0)::int FROM reservations WHERE drop_id = d.id AND status = 'completed') AS completed_units
     FROM drops d WHERE d.id = $1`,
    [dropId],
  );
  const row = rows[0];
  return {
    totalStock: row.total_stock,
    heldStock: row.held_stock,
    soldStock: row.sold_stock,
    activeHoldUnits: row.active_units,
    purchasedUnits: row.purchased_units,
    completedHoldUnits: row.completed_units,
  };
}
