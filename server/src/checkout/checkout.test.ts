import { afterAll, beforeAll, describe, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";

/** The saga's edges through HTTP: payments racing the hold's deadline, cancels mid-payment, double submits. */
// Independent holds on independent drops: the 8 s payments run side by side.
describe.concurrent("checkout", () => {
  let server: TestServer;
  beforeAll(async () => {
    // A short sweep so an expiry the saga allows shows up quickly; the default 5 s wait for a payment.
    server = await startTestServer({ EXPIRY_SWEEP_MS: "100" });
  });
  afterAll(() => server?.stop());

  const holdOn = async (quantity = 1) => {
    const drop = await server.api.createDrop({ totalStock: 3, maxPerUser: 3 });
    const shopper = await server.api.shopper("buyer");
    const hold = ok(await server.api.reserve(shopper.token, drop.id, quantity), 201).reservation;
    return { drop, shopper, hold };
  };
  /** Moves the hold's deadline to `ms` from now (the drop's shortest hold is 10 s; these tests race it). */
  const expireIn = (holdId: string, ms: number) =>
    server.db.pool.query(`UPDATE reservations SET expires_at = clock_timestamp() + $2 * interval '1 millisecond' WHERE id = $1::uuid`, [holdId, ms]);
  const checkout = async (holdId: string) =>
    (
      await server.db.pool.query(
        `SELECT c.status::text, c.charge_status, c.failure_reason, c.voided_at IS NOT NULL AS voided, s.status AS charge
         FROM checkouts c LEFT JOIN simulated_charges s ON s.idempotency_key = c.id || ':charge' WHERE c.reservation_id = $1::uuid ORDER BY c.created_at`,
        [holdId],
      )
    ).rows;
  const holdRow = async (holdId: string) =>
    (await server.db.pool.query(`SELECT status::text, payment_until FROM reservations WHERE id = $1::uuid`, [holdId])).rows[0];

  it("a slow payment started 1 s before expiresAt is not expired while it runs, and completes the sale", async ({ expect }) => {
    const { drop, shopper, hold } = await holdOn(2);
    await expireIn(hold.id, 1_000);
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const ended = waitForEvent(socket, "purchaseUpdated", (event) => event.purchase.status !== "processing", 15_000);
      const answer = await server.api.purchase(shopper.token, hold.id, { method: "sim_slow" });
      expect(answer.status).toBe(202);
      // 4 s past its deadline, with the sweeper running every 100 ms: still the shopper's.
      expect((await holdRow(hold.id)).status).toBe("active");
      expect((await ended).payload.purchase).toMatchObject({ status: "completed", quantity: 2 });
      expect(await checkout(hold.id)).toEqual([{ status: "completed", charge_status: "approved", failure_reason: null, voided: false, charge: "approved" }]);
      expect(await holdRow(hold.id)).toEqual({ status: "completed", payment_until: null });
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0, soldStock: 2, purchasedUnits: 2 });
    } finally {
      socket.close();
    }
  });

  it("a payment that fails after expiresAt has passed expires the hold at once, its units back", async ({ expect }) => {
    const { drop, shopper, hold } = await holdOn(2);
    await expireIn(hold.id, 300);
    // sim_down is retried for 1.3 s: the failure comes a second after the deadline.
    const answer = await server.api.purchase(shopper.token, hold.id, { method: "sim_down" });
    expect([answer.status, answer.body.error]).toEqual([503, "PAYMENT_UNAVAILABLE"]);
    expect((await holdRow(hold.id)).status).toBe("expired");
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0, soldStock: 0, activeHoldUnits: 0 });
    expect(await checkout(hold.id)).toEqual([{ status: "failed", charge_status: "unreachable", failure_reason: "provider_unreachable", voided: false, charge: null }]);
  });

  it("a payment outliving its hold's protection ends one way: the hold expires, the late approval is voided, nothing is sold", async ({ expect }) => {
    const { drop, shopper, hold } = await holdOn();
    await expireIn(hold.id, 500);
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const ended = waitForEvent(socket, "purchaseUpdated", (event) => event.purchase.status !== "processing", 15_000);
      const expired = waitForEvent(socket, "reservationExpired", (event) => event.reservationId === hold.id, 15_000);
      const paying = server.api.purchase(shopper.token, hold.id, { method: "sim_slow" });
      // The protection is at most 30 s; here it is cut to 1 s to see what happens when it runs out mid-payment.
      await expect.poll(async () => (await holdRow(hold.id)).payment_until).not.toBeNull();
      await server.db.pool.query(`UPDATE reservations SET payment_until = clock_timestamp() + interval '1 second' WHERE id = $1::uuid`, [hold.id]);
      await expired;
      expect((await paying).status).toBe(202);
      expect((await ended).payload.purchase).toMatchObject({ status: "failed", failureReason: "hold_ended", tickets: [] });
      expect(await checkout(hold.id)).toEqual([{ status: "failed", charge_status: "approved", failure_reason: "hold_ended", voided: true, charge: "refunded" }]);
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0, soldStock: 0, purchasedUnits: 0 });
      const types = ok(await server.api.timeline(hold.id, shopper.token)).events.map((event) => event.type);
      expect(types).toEqual(["hold_created", "payment_started", "hold_expired", "payment_approved", "payment_voided"]);
    } finally {
      socket.close();
    }
  });

  it("a cancel while the payment runs wins: the approved charge is voided once", async ({ expect }) => {
    const { drop, shopper, hold } = await holdOn();
    const paying = server.api.purchase(shopper.token, hold.id, { method: "sim_slow" });
    await expect.poll(async () => (await holdRow(hold.id)).payment_until).not.toBeNull();
    expect(ok(await server.api.cancelReservation(shopper.token, hold.id)).reservation.status).toBe("cancelled");
    expect((await paying).status).toBe(202);
    await expect.poll(async () => (await checkout(hold.id))[0]?.voided, { timeout: 10_000 }).toBe(true);
    expect(await checkout(hold.id)).toEqual([{ status: "failed", charge_status: "approved", failure_reason: "hold_ended", voided: true, charge: "refunded" }]);
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0, soldStock: 0 });
  });

  it("paying twice at once makes one checkout: the second request reports on the first, and one charge is made", async ({ expect }) => {
    const { drop, shopper, hold } = await holdOn();
    const [first, second] = await Promise.all([
      server.api.purchase(shopper.token, hold.id, { method: "sim_flaky" }),
      server.api.purchase(shopper.token, hold.id, { method: "sim_flaky" }),
    ]);
    const made = first.status === 201 ? first : second;
    const reported = made === first ? second : first;
    expect(made.status).toBe(201);
    // The other reports on it: still processing (202), or completed (200) if it ended before that request looked.
    expect([[202, "processing"], [200, "completed"]]).toContainEqual([reported.status, ok(reported).purchase.status]);
    expect(ok(first).purchase.id).toBe(ok(second).purchase.id);
    expect(await checkout(hold.id)).toEqual([{ status: "completed", charge_status: "approved", failure_reason: null, voided: false, charge: "approved" }]);
    // Asked again once it ended, the same purchase comes back with 200.
    const again = await server.api.purchase(shopper.token, hold.id);
    expect([again.status, ok(again).purchase.id]).toEqual([200, ok(first).purchase.id]);
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 1, purchasedUnits: 1 });
  });

  it("GET /api/purchases/:id is the owner's: another shopper and a malformed id get 404", async ({ expect }) => {
    const { shopper, hold } = await holdOn();
    const purchase = ok(await server.api.purchase(shopper.token, hold.id), 201).purchase;
    expect(ok(await server.api.getPurchase(shopper.token, purchase.id)).purchase).toEqual(purchase);
    const stranger = await server.api.shopper("stranger");
    expect((await server.api.getPurchase(stranger.token, purchase.id)).body).toMatchObject({ error: "PURCHASE_NOT_FOUND" });
    expect((await server.api.getPurchase(shopper.token, "not-an-id")).status).toBe(404);
    expect((await server.api.call("GET", `/api/purchases/${purchase.id}`)).status).toBe(401);
  });
});

describe("a payment ending just as the request stops waiting", () => {
  let server: TestServer;
  beforeAll(async () => {
    // The bank answers after 200 ms of the request's 300 ms wait; 40 sales queued on one drop's row then end
    // before, after, and while the requests stop waiting (before the fix, 11 to 30 of 40 got a 202 saying "completed").
    server = await startTestServer({ PAYMENT_TIMEOUT_MS: "300", SIMULATED_SLOW_MS: "200" });
  });
  afterAll(() => server?.stop());

  it("is answered as it stands: 202 only with a processing purchase, 201 with a completed one, and every one completes", async ({ expect }) => {
    const drop = await server.api.createDrop({ totalStock: 40, maxPerUser: 1 });
    const shoppers = await Promise.all(Array.from({ length: 40 }, (_, i) => server.api.shopper(`edge${i}`)));
    const holds = await Promise.all(shoppers.map(async (s) => ok(await server.api.reserve(s.token, drop.id), 201).reservation));
    const answers = await Promise.all(holds.map((hold, i) => server.api.purchase(shoppers[i]!.token, hold.id, { method: "sim_slow" })));
    for (const answer of answers) {
      expect([[202, "processing"], [201, "completed"]]).toContainEqual([answer.status, ok(answer).purchase.status]);
    }
    // The 202s complete in the background.
    const statuses = () => Promise.all(answers.map(async (a, i) => ok(await server.api.getPurchase(shoppers[i]!.token, ok(a).purchase.id)).purchase.status));
    await expect.poll(statuses, { timeout: 10_000 }).toEqual(answers.map(() => "completed"));
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 40, purchasedUnits: 40, completedHoldUnits: 40 });
  });
});
