import { afterAll, beforeAll, describe, it } from "vitest";
import { ok, startTestServer, type TestServer } from "../../test/server.js";
import type { Preorder } from "./preorders.schemas.js";

type Answer = { preorder?: Preorder; error?: string; message?: string };

/** What is decided before any charge: the order can still be fulfilled in time, and the shopper's limit. */
describe.concurrent("placing a pre-order", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  const preorderDrop = (fields: { maxPerUser?: number } = {}) =>
    server.api.createDrop({
      price: "50.00",
      totalStock: 10,
      maxPerUser: fields.maxPerUser ?? 1,
      kind: "preorder",
      releaseAt: new Date(Date.now() + 3_600_000).toISOString(),
      fulfillGraceSeconds: 600,
    });
  const place = (token: string, dropId: string, quantity = 1) => server.api.call<Answer>("POST", "/api/preorders", { token, body: { dropId, quantity } });
  /** Every charge the simulated provider took for the drop's orders, refunded or not. */
  const charges = async (dropId: string) =>
    (
      await server.db.pool.query<{ status: string }>(
        `SELECT s.status FROM simulated_charges s JOIN preorders o ON s.idempotency_key = 'preorder:' || o.id || ':charge' WHERE o.drop_id = $1::uuid`,
        [dropId],
      )
    ).rows.map((r) => r.status);

  it("after its fulfil-by time, a pre-order drop reads ended and refuses orders before any charge", async ({ expect }) => {
    const drop = await preorderDrop();
    // Released long ago: releaseAt + fulfillGraceSeconds is now in the past.
    await server.db.pool.query(`UPDATE preorder_settings SET release_at = clock_timestamp() - interval '1 hour' WHERE drop_id = $1::uuid`, [drop.id]);
    const shopper = await server.api.shopper("late");
    const answer = await place(shopper.token, drop.id);
    expect([answer.status, answer.body.error]).toEqual([409, "DROP_NOT_LIVE"]);
    expect(answer.body.message).toMatch(/fulfilled in time/);
    expect(await charges(drop.id)).toEqual([]);
    expect((await server.db.pool.query(`SELECT count(*)::int AS n FROM preorders WHERE drop_id = $1::uuid`, [drop.id])).rows[0].n).toBe(0);

    expect(ok(await server.api.getDrop(drop.id)).status).toBe("ended");
    expect(ok(await server.api.listDrops()).drops.map((d) => d.id)).not.toContain(drop.id);
  });

  it("five concurrent orders by one shopper with a limit of 1: one placed, four refused, and only one charge ever made", async ({ expect }) => {
    const drop = await preorderDrop({ maxPerUser: 1 });
    const shopper = await server.api.shopper("eager");
    const answers = await Promise.all(Array.from({ length: 5 }, () => place(shopper.token, drop.id)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.error === "LIMIT_EXCEEDED")).toBe(true);
    expect(await charges(drop.id)).toEqual(["approved"]);
    const { rows } = await server.db.pool.query(`SELECT sold_stock FROM drops WHERE id = $1::uuid`, [drop.id]);
    expect(rows[0].sold_stock).toBe(1);
  });

  it("the limit counts the shopper's open orders across requests, and a rejected order does not count", async ({ expect }) => {
    const drop = await preorderDrop({ maxPerUser: 2 });
    const shopper = await server.api.shopper("steady");
    const declined = await server.api.call<Answer>("POST", "/api/preorders", { token: shopper.token, body: { dropId: drop.id, quantity: 2, payment: { method: "sim_declined" } } });
    expect(declined.status).toBe(402);
    expect(ok(await place(shopper.token, drop.id, 1), 201).preorder?.status).toBe("reserved");
    const over = await place(shopper.token, drop.id, 2);
    expect([over.status, over.body.error]).toEqual([409, "LIMIT_EXCEEDED"]);
    expect(ok(await place(shopper.token, drop.id, 1), 201).preorder?.status).toBe("reserved");
    expect((await charges(drop.id)).sort()).toEqual(["approved", "approved", "declined"]);
  });
});
