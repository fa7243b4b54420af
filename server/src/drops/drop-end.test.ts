import { afterAll, beforeAll, describe, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * One rule for a drop's end, whether it comes at endsAt or by the admin's
 * PATCH: a hold never outlives its drop, and a payment already running when
 * the drop ends keeps its protection and completes.
 */
describe.concurrent("when a drop ends", () => {
  let server: TestServer;
  beforeAll(async () => {
    // The slow payment outlasts the edit, its expiry notices and a read on a loaded machine.
    server = await startTestServer({ EXPIRY_SWEEP_MS: "100", SIMULATED_SLOW_MS: "4000", PAYMENT_TIMEOUT_MS: "100" });
  });
  afterAll(() => server?.stop());

  it("on its own at endsAt: the hold's deadline is endsAt, its owner hears it expire, and a purchase after is refused", async ({ expect }) => {
    const endsAt = isoIn(2_500);
    const drop = await server.api.createDrop({ totalStock: 5, maxPerUser: 2, holdSeconds: 60, endsAt });
    const shopper = await server.api.shopper("late");
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const hold = ok(await server.api.reserve(shopper.token, drop.id, 2), 201).reservation;
      expect(hold.expiresAt).toBe(endsAt);
      const expired = await waitForEvent(socket, "reservationExpired", (event) => event.reservationId === hold.id, 8_000);
      expect(expired.at - Date.parse(endsAt)).toBeLessThan(1_500);
      const answer = await server.api.purchase(shopper.token, hold.id);
      expect([answer.status, answer.body.error]).toEqual([410, "RESERVATION_EXPIRED"]);
      expect(ok(await server.api.getDrop(drop.id)).status).toBe("ended");
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0, soldStock: 0, activeHoldUnits: 0, purchasedUnits: 0 });
    } finally {
      socket.close();
    }
  });

  it("ended by the admin now: holds end at once, but a payment already running completes its sale", async ({ expect }) => {
    const drop = await server.api.createDrop({ totalStock: 5, holdSeconds: 60 });
    const [idle, paying] = await Promise.all([server.api.shopper("idle"), server.api.shopper("paying")]);
    const idleHold = ok(await server.api.reserve(idle.token, drop.id), 201).reservation;
    const payingHold = ok(await server.api.reserve(paying.token, drop.id), 201).reservation;
    const [idleSocket, payingSocket] = await Promise.all([connectSocket(server.url, idle.token), connectSocket(server.url, paying.token)]);
    try {
      const sold = waitForEvent(payingSocket, "purchaseUpdated", (event) => event.purchase.reservationId === payingHold.id && event.purchase.status !== "processing", 10_000);
      const idleExpired = waitForEvent(idleSocket, "reservationExpired", (event) => event.reservationId === idleHold.id);
      expect((await server.api.purchase(paying.token, payingHold.id, { method: "sim_slow" })).status).toBe(202);

      expect(ok(await server.api.updateDrop(drop.id, { endsAt: new Date().toISOString() })).status).toBe("ended");
      await idleExpired;
      expect(ok(await server.api.getReservation(paying.token, payingHold.id)).reservation).toMatchObject({ status: "active", paymentInFlight: true });
      const refused = await server.api.purchase(idle.token, idleHold.id);
      expect([refused.status, refused.body.error]).toEqual([410, "RESERVATION_EXPIRED"]);

      expect((await sold).payload.purchase.status).toBe("completed");
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0, soldStock: 1, activeHoldUnits: 0, purchasedUnits: 1 });
    } finally {
      idleSocket.close();
      payingSocket.close();
    }
  });

  it("an end moved earlier but still ahead brings the holds' deadlines to it, and their owners hear the new deadline", async ({ expect }) => {
    const drop = await server.api.createDrop({ totalStock: 5, holdSeconds: 600 });
    const shopper = await server.api.shopper("moved");
    const hold = ok(await server.api.reserve(shopper.token, drop.id), 201).reservation;
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const endsAt = isoIn(120_000);
      const moved = waitForEvent(socket, "reservationUpdated", (event) => event.reservation.id === hold.id);
      ok(await server.api.updateDrop(drop.id, { endsAt }));
      expect((await moved).payload.reservation).toMatchObject({ status: "active", expiresAt: endsAt });
      expect(ok(await server.api.getReservation(shopper.token, hold.id)).reservation.expiresAt).toBe(endsAt);
      // Moving the end later again does not lengthen a hold: its deadline was a promise, not a lease that grows.
      ok(await server.api.updateDrop(drop.id, { endsAt: null }));
      expect(ok(await server.api.getReservation(shopper.token, hold.id)).reservation.expiresAt).toBe(endsAt);
    } finally {
      socket.close();
    }
  });
});
