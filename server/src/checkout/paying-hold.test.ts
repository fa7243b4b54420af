import { afterAll, beforeAll, describe, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";

/**
 * A hold whose payment runs past its deadline may still be bought: every view
 * of it must say so (active, paying), never "expired", until the saga ends it.
 */
describe.concurrent("a hold while its payment runs", () => {
  let server: TestServer;
  beforeAll(async () => {
    // A slow bank of 3 s, answered 202 after 100 ms; the sweeper every 100 ms, so a wrong expiry would show quickly.
    server = await startTestServer({ EXPIRY_SWEEP_MS: "100", SIMULATED_SLOW_MS: "3000", PAYMENT_TIMEOUT_MS: "100" });
  });
  afterAll(() => server?.stop());

  /** Moves the hold's deadline to `ms` from now (a drop's shortest hold is 10 s). */
  const expireIn = (holdId: string, ms: number) =>
    server.db.pool.query(`UPDATE reservations SET expires_at = clock_timestamp() + $2 * interval '1 millisecond' WHERE id = $1::uuid`, [holdId, ms]);

  it("reads active with paymentInFlight past expiresAt in GET, /api/me, the drop view and its events, then completed", async ({ expect }) => {
    const drop = await server.api.createDrop({ totalStock: 3, maxPerUser: 2 });
    const shopper = await server.api.shopper("paying");
    const hold = ok(await server.api.reserve(shopper.token, drop.id, 2), 201).reservation;
    await expireIn(hold.id, 600);
    const socket = await connectSocket(server.url, shopper.token);
    const heard: { status: string; paymentInFlight: boolean }[] = [];
    socket.on("reservationUpdated", ({ reservation }) => reservation.id === hold.id && heard.push({ status: reservation.status, paymentInFlight: reservation.paymentInFlight }));
    let expiredNotices = 0;
    socket.on("reservationExpired", ({ reservationId }) => reservationId === hold.id && expiredNotices++);
    try {
      const paying = waitForEvent(socket, "reservationUpdated", (event) => event.reservation.id === hold.id && event.reservation.paymentInFlight);
      const ended = waitForEvent(socket, "purchaseUpdated", (event) => event.purchase.reservationId === hold.id && event.purchase.status !== "processing", 15_000);
      expect((await server.api.purchase(shopper.token, hold.id, { method: "sim_slow" })).status).toBe(202);
      expect((await paying).payload.reservation).toMatchObject({ status: "active", paymentInFlight: true });

      // Past its deadline, its payment still running.
      let seen;
      do seen = ok(await server.api.getReservation(shopper.token, hold.id)).reservation;
      while (seen.serverTime <= seen.expiresAt);
      expect(seen).toMatchObject({ status: "active", paymentInFlight: true });
      expect(ok(await server.api.me(shopper.token)).reservations.find((r) => r.id === hold.id)).toMatchObject({ status: "active", paymentInFlight: true });
      const view = ok(await server.api.getDrop(drop.id, shopper.token));
      expect(view.myReservation).toMatchObject({ id: hold.id, status: "active", paymentInFlight: true });
      // Its units are still held, not shown as coming back.
      expect(view).toMatchObject({ heldStock: 2, availableStock: 1 });

      expect((await ended).payload.purchase.status).toBe("completed");
      expect(ok(await server.api.getReservation(shopper.token, hold.id)).reservation).toMatchObject({ status: "completed", paymentInFlight: false });
      expect(expiredNotices).toBe(0);
      // The sale tells the hold's owner before the purchase's end: every update heard was paying or completed.
      expect(heard).toEqual([...heard.slice(0, -1).map(() => ({ status: "active", paymentInFlight: true })), { status: "completed", paymentInFlight: false }]);
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0, soldStock: 2, purchasedUnits: 2 });
    } finally {
      socket.close();
    }
  });

  it("a declined payment gives the hold back: the owner hears it active and no longer paying", async ({ expect }) => {
    const drop = await server.api.createDrop({ totalStock: 3 });
    const shopper = await server.api.shopper("paying");
    const hold = ok(await server.api.reserve(shopper.token, drop.id), 201).reservation;
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const paying = waitForEvent(socket, "reservationUpdated", (event) => event.reservation.id === hold.id && event.reservation.paymentInFlight);
      const back = paying.then(() => waitForEvent(socket, "reservationUpdated", (event) => event.reservation.id === hold.id && !event.reservation.paymentInFlight));
      expect((await server.api.purchase(shopper.token, hold.id, { method: "sim_declined" })).status).toBe(402);
      expect((await back).payload.reservation).toMatchObject({ status: "active", paymentInFlight: false, expiresAt: hold.expiresAt });
      expect(ok(await server.api.getReservation(shopper.token, hold.id)).reservation).toMatchObject({ status: "active", paymentInFlight: false });
    } finally {
      socket.close();
    }
  });

  it("a hold paying past its deadline can still be cancelled by its owner: the cancel wins and the payment is voided", async ({ expect }) => {
    const drop = await server.api.createDrop({ totalStock: 3 });
    const shopper = await server.api.shopper("paying");
    const hold = ok(await server.api.reserve(shopper.token, drop.id), 201).reservation;
    await expireIn(hold.id, 300);
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const ended = waitForEvent(socket, "purchaseUpdated", (event) => event.purchase.reservationId === hold.id && event.purchase.status !== "processing", 15_000);
      expect((await server.api.purchase(shopper.token, hold.id, { method: "sim_slow" })).status).toBe(202);
      let seen;
      do seen = ok(await server.api.getReservation(shopper.token, hold.id)).reservation;
      while (seen.serverTime <= seen.expiresAt);
      expect(ok(await server.api.cancelReservation(shopper.token, hold.id)).reservation).toMatchObject({ status: "cancelled", paymentInFlight: false });
      expect((await ended).payload.purchase).toMatchObject({ status: "failed", failureReason: "hold_ended" });
      const { rows } = await server.db.pool.query(`SELECT voided_at IS NOT NULL AS voided FROM checkouts WHERE reservation_id = $1::uuid`, [hold.id]);
      expect(rows).toEqual([{ voided: true }]);
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0, soldStock: 0, activeHoldUnits: 0 });
    } finally {
      socket.close();
    }
  });
});
