import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";
import type { Purchase } from "../purchases/purchases.schemas.js";

/** Every row of the simulated provider's table (API.md, "Checkout"), through HTTP, on the real server and database. */
describe("the simulated payment provider", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  const holdOn = async (price = "40.00") => {
    const drop = await server.api.createDrop({ totalStock: 5, price });
    const shopper = await server.api.shopper("payer");
    const hold = ok(await server.api.reserve(shopper.token, drop.id), 201).reservation;
    return { drop, shopper, hold };
  };
  const pay = (token: string, reservationId: string, method?: string) =>
    server.api.call<{ purchase?: { amountPaid: string }; error?: string; details?: { reason?: string } }>("POST", "/api/purchases", {
      token,
      body: method === undefined ? { reservationId } : { reservationId, payment: { method } },
    });
  const charges = async (reservationId: string) =>
    (
      await server.db.pool.query<{ method: string; status: string; attempts: number; decline_reason: string | null }>(
        // Each payment attempt is a checkout; its charge's idempotency key is the checkout's step id.
        `SELECT s.method, s.status, s.attempts, s.decline_reason FROM simulated_charges s
         JOIN checkouts c ON s.idempotency_key = c.id || ':charge' WHERE c.reservation_id = $1 ORDER BY s.created_at`,
        [reservationId],
      )
    ).rows;
  const holdStatus = async (token: string, id: string) => ok(await server.api.getReservation(token, id)).reservation.status;

  it("sim_ok (and no payment at all) is approved: the sale is made and one approved charge is recorded", async () => {
    const named = await holdOn();
    expect((await pay(named.shopper.token, named.hold.id, "sim_ok")).status).toBe(201);
    const unnamed = await holdOn();
    expect((await pay(unnamed.shopper.token, unnamed.hold.id)).status).toBe(201);
    expect(await charges(named.hold.id)).toEqual([{ method: "sim_ok", status: "approved", attempts: 1, decline_reason: null }]);
    expect(await charges(unnamed.hold.id)).toMatchObject([{ method: "sim_ok", status: "approved" }]);
  });

  it.each([
    ["sim_declined", "card_declined"],
    ["sim_insufficient_funds", "insufficient_funds"],
  ])("%s is declined with 402 and reason %s; the hold stays active, and another method then buys it", async (method, reason) => {
    const { drop, shopper, hold } = await holdOn();
    const declined = await pay(shopper.token, hold.id, method);
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ error: "PAYMENT_DECLINED", details: { reason } });
    expect(await holdStatus(shopper.token, hold.id)).toBe("active");
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 1, soldStock: 0 });

    expect((await pay(shopper.token, hold.id, "sim_ok")).status).toBe(201);
    expect((await charges(hold.id)).map((c) => [c.method, c.status])).toEqual([
      [method, "declined"],
      ["sim_ok", "approved"],
    ]);
  });

  it("sim_flaky fails twice, and the server asks again until it is approved: one sale, one charge after three calls", async () => {
    const { drop, shopper, hold } = await holdOn();
    const answer = await pay(shopper.token, hold.id, "sim_flaky");
    expect(answer.status).toBe(201);
    expect(await charges(hold.id)).toEqual([{ method: "sim_flaky", status: "approved", attempts: 3, decline_reason: null }]);
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 1, heldStock: 0, purchasedUnits: 1 });
  });

  it("sim_down is 503 PAYMENT_UNAVAILABLE after the server's retries; nothing is charged and the hold stays active", async () => {
    const { shopper, hold } = await holdOn();
    const answer = await pay(shopper.token, hold.id, "sim_down");
    expect([answer.status, answer.body.error]).toEqual([503, "PAYMENT_UNAVAILABLE"]);
    expect(await charges(hold.id)).toEqual([]);
    expect(await holdStatus(shopper.token, hold.id)).toBe("active");
  });

  it("sim_slow is approved after 8 s: 202 processing at PAYMENT_TIMEOUT_MS, then purchaseUpdated completed, and GET shows it", async () => {
    const { drop, shopper, hold } = await holdOn();
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const completed = waitForEvent(socket, "purchaseUpdated", (event) => event.purchase.status === "completed", 15_000);
      const started = Date.now();
      const answer = await pay(shopper.token, hold.id, "sim_slow");
      expect(answer.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(7_500);
      const processing = (answer.body as { purchase: Purchase }).purchase;
      expect(processing).toMatchObject({ status: "processing", confirmationCode: null, tickets: [] });
      // While the payment runs, the hold is still the shopper's.
      expect(await holdStatus(shopper.token, hold.id)).toBe("active");
      const { payload } = await completed;
      expect(payload.purchase).toMatchObject({ id: processing.id, status: "completed", tickets: [{ status: "valid" }] });
      const fetched = await server.api.call<{ purchase: Purchase }>("GET", `/api/purchases/${processing.id}`, { token: shopper.token });
      expect(fetched.body.purchase).toEqual(payload.purchase);
      expect(await charges(hold.id)).toEqual([{ method: "sim_slow", status: "approved", attempts: 1, decline_reason: null }]);
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 1, heldStock: 0, purchasedUnits: 1 });
    } finally {
      socket.close();
    }
  });

  it("a method the provider does not know is a 400 that names the field", async () => {
    const { shopper, hold } = await holdOn();
    const answer = await pay(shopper.token, hold.id, "visa_4242");
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "VALIDATION_ERROR", details: [{ path: "payment.method" }] });
    expect(await holdStatus(shopper.token, hold.id)).toBe("active");
  });

  it("a hold past its deadline is refused with 410 before anything is charged", async () => {
    const { shopper, hold } = await holdOn();
    await server.db.pool.query("UPDATE reservations SET expires_at = created_at + interval '1 millisecond' WHERE id = $1", [hold.id]);
    expect((await pay(shopper.token, hold.id, "sim_ok")).status).toBe(410);
    expect(await charges(hold.id)).toEqual([]);
  });

  it("a refund happens once: refunding the same charge again changes nothing", async () => {
    const charge = await server.services.payments.charge({ idempotencyKey: "refund-test", amount: "12.00", shopperId: "nobody", method: "sim_ok" });
    if (charge.outcome !== "approved") throw new Error("expected an approved charge");
    await server.services.payments.refund(charge.paymentRef);
    const first = (await server.db.pool.query("SELECT status, refunded_at FROM simulated_charges WHERE idempotency_key = 'refund-test'")).rows[0];
    await server.services.payments.refund(charge.paymentRef);
    const second = (await server.db.pool.query("SELECT status, refunded_at FROM simulated_charges WHERE idempotency_key = 'refund-test'")).rows[0];
    expect(first.status).toBe("refunded");
    expect(second).toEqual(first);
    // The same call again finds the same charge, refunded: it pays for nothing, and no second charge is made.
    expect(await server.services.payments.charge({ idempotencyKey: "refund-test", amount: "12.00", shopperId: "nobody", method: "sim_ok" })).toEqual({
      outcome: "declined",
      reason: "already_refunded",
      paymentRef: charge.paymentRef,
    });
    expect((await server.db.pool.query("SELECT count(*)::int AS n FROM simulated_charges WHERE idempotency_key = 'refund-test'")).rows[0].n).toBe(1);
  });
});

describe("the simulated payment provider with PAYMENT_DECLINE_RATE=1", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ PAYMENT_DECLINE_RATE: "1" });
  });
  afterAll(() => server?.stop());

  it("declines every sim_ok payment; each new attempt is a new checkout with a charge of its own, declined once", async () => {
    const drop = await server.api.createDrop({ totalStock: 5 });
    const shopper = await server.api.shopper("unlucky");
    const hold = ok(await server.api.reserve(shopper.token, drop.id), 201).reservation;
    for (let i = 0; i < 2; i++) {
      const answer = await server.api.purchase(shopper.token, hold.id);
      expect([answer.status, answer.body.error]).toEqual([402, "PAYMENT_DECLINED"]);
    }
    const { rows } = await server.db.pool.query(
      `SELECT s.status, s.attempts, c.status AS checkout FROM simulated_charges s JOIN checkouts c ON s.idempotency_key = c.id || ':charge'
       WHERE c.reservation_id = $1`,
      [hold.id],
    );
    expect(rows).toEqual([
      { status: "declined", attempts: 1, checkout: "failed" },
      { status: "declined", attempts: 1, checkout: "failed" },
    ]);
    expect(ok(await server.api.getReservation(shopper.token, hold.id)).reservation.status).toBe("active");
  });
});
