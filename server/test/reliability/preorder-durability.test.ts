import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../database.js";
import { spawnServer, type ServerProcess } from "../process.js";
import { ApiClient, ok, testEnv } from "../server.js";
import type { Preorder } from "../../src/preorders/preorders.schemas.js";

/**
 * A pre-order's deadline is a durable timer: with no server running when it
 * passes, the next start times the order out, once, with one refund; two
 * processes started together do not do it twice.
 */
describe("a pre-order deadline that passes while no server runs", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  const start = (): ServerProcess => spawnServer({ ...process.env, ...testEnv({ DATABASE_URL: db.url, LOG_LEVEL: "info" }) });
  const stop = async (server: ServerProcess) => {
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  };

  it("times the order out at the next start, compensating it once even with two processes starting", async () => {
    const first = start();
    const api = new ApiClient(await first.url);
    const drop = await api.createDrop({
      name: "Handheld",
      price: "299.00",
      totalStock: 3,
      kind: "preorder",
      releaseAt: new Date().toISOString(),
      fulfillGraceSeconds: 6,
    });
    const shopper = await api.shopper("waiting");
    const order = ok(await api.call<{ preorder: Preorder }>("POST", "/api/preorders", { token: shopper.token, body: { dropId: drop.id } }), 201).preorder;
    expect(order.status).toBe("awaiting_fulfillment");
    await stop(first);

    // Nothing runs while the deadline passes.
    const wait = Date.parse(order.fulfillBy) - Date.now() + 500;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const { rows: [before] } = await db.pool.query(`SELECT status::text FROM preorders WHERE id = $1`, [order.id]);
    expect(before.status).toBe("awaiting_fulfillment");

    const [a, b] = [start(), start()];
    await Promise.all([a.url, b.url]);
    try {
      await expect
        .poll(
          async () =>
            (await db.pool.query(`SELECT status::text, refunded_at IS NOT NULL AS refunded FROM preorders WHERE id = $1`, [order.id])).rows[0],
          { timeout: 20_000, interval: 100 },
        )
        .toEqual({ status: "timed_out", refunded: true });
      const { rows: log } = await db.pool.query(`SELECT step, status, attempt FROM preorder_compensations WHERE preorder_id = $1 ORDER BY id`, [order.id]);
      expect(log).toEqual([
        { step: "release_inventory", status: "done", attempt: 1 },
        { step: "refund_payment", status: "done", attempt: 1 },
      ]);
      const { rows: charges } = await db.pool.query(`SELECT status FROM simulated_charges WHERE idempotency_key = $1`, [`preorder:${order.id}:charge`]);
      expect(charges).toEqual([{ status: "refunded" }]);
      const { rows: [stock] } = await db.pool.query(`SELECT sold_stock FROM drops WHERE id = $1`, [drop.id]);
      expect(stock.sold_stock).toBe(0);
    } finally {
      await Promise.all([stop(a), stop(b)]);
    }
  });
});
