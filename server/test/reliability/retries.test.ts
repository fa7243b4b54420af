import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStock } from "../database.js";
import { ok, startTestServer, type TestServer } from "../server.js";

describe("client retries", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it("the same Idempotency-Key sent 20 times at once makes one hold, and every answer is that hold or 'in use'", async () => {
    const drop = await server.api.createDrop({ totalStock: 10, maxPerUser: 5 });
    const shopper = await server.api.shopper("retrier");
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        server.api.reserve(shopper.token, drop.id, 2, { headers: { "idempotency-key": "tap-1" } }),
      ),
    );
    const held = answers.filter((a) => a.status === 201);
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((a) => a.status === 201 || (a.status === 409 && a.body.error === "IDEMPOTENCY_KEY_IN_USE"))).toBe(true);
    expect(new Set(held.map((a) => ok(a).reservation.id)).size).toBe(1);
    expect(held.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(held.length - 1);
    const { rows } = await server.db.pool.query(`SELECT count(*)::int AS n FROM reservations WHERE user_id = $1`, [shopper.user.id]);
    expect(rows[0].n).toBe(1);
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 2, activeHoldUnits: 2 });
  });

  it("a purchase whose connection dropped is not charged twice when retried", async () => {
    const drop = await server.api.createDrop({ totalStock: 5, price: "80.00" });
    const shopper = await server.api.shopper("flaky");
    const hold = ok(await server.api.reserve(shopper.token, drop.id)).reservation;

    // The whole request reaches the server, then the connection drops before any answer,
    // as a mobile connection would: the server goes on and completes the purchase.
    const body = JSON.stringify({ reservationId: hold.id });
    const { port } = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /api/purchases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${shopper.token}\r\n` +
            `Content-Type: application/json\r\nIdempotency-Key: buy-1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          () => {
            socket.destroy();
            resolve();
          },
        );
      });
      socket.on("error", reject);
    });

    const retried = await Promise.all([
      server.api.purchase(shopper.token, hold.id, { headers: { "idempotency-key": "buy-1" } }),
      server.api.purchase(shopper.token, hold.id),
    ]);
    // 202: the request found the first one's payment still running and reported on it.
    for (const answer of retried) expect([200, 201, 202, 409]).toContain(answer.status);
    await expect.poll(async () => (await server.api.purchase(shopper.token, hold.id)).status).toBe(200);
    const final = await server.api.purchase(shopper.token, hold.id);
    expect(final.body.purchase?.amountPaid).toBe("80.00");

    const { rows } = await server.db.pool.query(`SELECT count(*)::int AS n FROM purchases WHERE reservation_id = $1`, [hold.id]);
    expect(rows[0].n).toBe(1);
    // The provider's own records: one charge for this hold, approved, however many requests asked.
    const charges = await server.db.pool.query(
      `SELECT s.status FROM simulated_charges s JOIN checkouts c ON s.idempotency_key = c.id || ':charge' WHERE c.reservation_id = $1`,
      [hold.id],
    );
    expect(charges.rows.map((row) => row.status)).toEqual(["approved"]);
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 1, purchasedUnits: 1, heldStock: 0 });
  });
});
