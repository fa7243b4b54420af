import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/database.js";

/** Shared buffers one call touched, nested statements of the function included. */
async function buffersTouched(client: pg.Client, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
  const plan = rows[0]["QUERY PLAN"][0].Plan;
  return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"];
}

describe("the hold path's cost does not grow with the drop", () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("a hold on a drop with 20,000 active holds, beside another drop with 10,000, touches about as many pages as on an empty one", async () => {
    const makeDrop = async () =>
      (await client.query(`INSERT INTO drops (id, name, price, total_stock, starts_at, hold_seconds, max_per_user)
                           VALUES (gen_random_uuid(), 'plans', 10, 100000, now(), 3600, 1) RETURNING id`)).rows[0].id as string;
    const earlier = await makeDrop();
    const busy = await makeDrop();
    const empty = await makeDrop();
    await client.query(`INSERT INTO users (id, username, username_key)
                        SELECT gen_random_uuid(), 'p' || g, 'p' || g FROM generate_series(1, 30100) g`);
    // Another drop's holds all end before the busy drop's: a deadline-ordered scan meets them first.
    const fill = (dropId: string, offset: number, count: number, lasts: string) =>
      client.query(
        `INSERT INTO reservations (id, drop_id, user_id, quantity, unit_price, status, created_at, expires_at)
         SELECT gen_random_uuid(), $1, id, 1, 10, 'active', now(), now() + $4::interval
         FROM users ORDER BY username OFFSET $2 LIMIT $3`,
        [dropId, offset, count, lasts],
      );
    await fill(earlier, 0, 10000, "30 minutes");
    await fill(busy, 10000, 20000, "1 hour");
    await client.query(`UPDATE drops SET held_stock = 10000 WHERE id = $1`, [earlier]);
    await client.query(`UPDATE drops SET held_stock = 20000 WHERE id = $1`, [busy]);
    // Statistics that say "one drop owns most rows": the case that once chose scans.
    await client.query("ANALYZE");
    const { rows: fresh } = await client.query(
      `SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM reservations r WHERE r.user_id = u.id) LIMIT 100`,
    );

    const cost = async (dropId: string, users: { id: string }[]) => {
      const touched = [];
      for (const user of users) touched.push(await buffersTouched(client, "SELECT * FROM dropline_take_hold($1, $2, 1)", [dropId, user.id]));
      // The first calls plan afresh; PL/pgSQL switches to cached generic plans after five.
      return Math.max(...touched.slice(8));
    };
    const onEmpty = await cost(empty, fresh.slice(0, 20));
    const onBusy = await cost(busy, fresh.slice(20, 40));
    // A scan of the busy drop's active holds alone would touch hundreds of pages; an index
    // page split now and then (seen: 70 against 30) is noise of a few dozen.
    expect(onBusy).toBeLessThan(onEmpty + 80);
    expect(onBusy).toBeLessThan(150);
  });
});
