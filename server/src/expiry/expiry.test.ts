import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";

/** Resolves at the server-clock instant `at` (ISO), using the offset seen in `serverTime`. */
function untilServerTime(at: string, serverTime: string, receivedAt: number): Promise<void> {
  const offset = Date.parse(serverTime) - receivedAt;
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(at) - offset - Date.now())));
}

describe("hold expiry with the sweeper running (every second, as in production)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ EXPIRY_SWEEP_MS: "1000" });
  });
  afterAll(() => server?.stop());

  it("tells the owner and every browser within 1.5 s of expiresAt, and the units can be held again", async () => {
    const drop = await server.api.createDrop({ totalStock: 3, holdSeconds: 10, maxPerUser: 3 });
    const alice = await server.api.shopper("alice");
    const bob = await server.api.shopper("bob");
    const aliceSocket = await connectSocket(server.url, alice.token);
    const watcher = await connectSocket(server.url);
    try {
      const hold = await server.api.reserve(alice.token, drop.id, 3);
      expect(hold.status).toBe(201);
      const { reservation } = ok(hold);
      const expiresAt = Date.parse(reservation.expiresAt);
      expect(expiresAt - Date.parse(reservation.createdAt)).toBe(10_000);

      const expired = waitForEvent(aliceSocket, "reservationExpired", (e) => e.reservationId === reservation.id, 15_000);
      const updated = waitForEvent(aliceSocket, "reservationUpdated", (e) => e.reservation.id === reservation.id && e.reservation.status === "expired", 15_000);
      const restocked = waitForEvent(watcher, "stockUpdated", (e) => e.dropId === drop.id && e.availableStock === 3, 15_000);

      const [expiredEvent, updatedEvent, stockEvent] = await Promise.all([expired, updated, restocked]);
      expect(expiredEvent.payload).toEqual({ reservationId: reservation.id, dropId: drop.id });
      expect(expiredEvent.at - expiresAt).toBeLessThanOrEqual(1500);
      expect(stockEvent.at - expiresAt).toBeLessThanOrEqual(1500);
      expect(updatedEvent.payload.reservation).toMatchObject({ id: reservation.id, status: "expired", quantity: 3 });
      expect(stockEvent.payload).toMatchObject({ heldStock: 0, soldStock: 0, status: "live" });

      const again = await server.api.reserve(bob.token, drop.id, 3);
      expect(again.status).toBe(201);
      const late = await server.api.purchase(alice.token, reservation.id);
      expect(late.status).toBe(410);
      expect(late.body.error).toBe("RESERVATION_EXPIRED");
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 3, activeHoldUnits: 3, soldStock: 0 });
    } finally {
      aliceSocket.close();
      watcher.close();
    }
  });
});

describe("a lapsed hold before any sweep", () => {
  let server: TestServer;
  beforeAll(async () => {
    // No sweeper at all: only the database clock decides.
    server = await startTestServer({}, { sweeper: false });
  });
  afterAll(() => server?.stop());

  it("never blocks another shopper, is shown as available, and its owner still hears it expired", async () => {
    const drop = await server.api.createDrop({ totalStock: 1, holdSeconds: 10 });
    const alice = await server.api.shopper("alice");
    const bob = await server.api.shopper("bob");
    const aliceSocket = await connectSocket(server.url, alice.token);
    try {
      const hold = await server.api.reserve(alice.token, drop.id);
      const receivedAt = Date.now();
      expect(hold.status).toBe(201);
      const blocked = await server.api.reserve(bob.token, drop.id);
      expect(blocked.body.error).toBe("OUT_OF_STOCK");

      await untilServerTime(ok(hold).reservation.expiresAt, ok(hold).reservation.serverTime, receivedAt);
      // Nothing is emitted when a hold lapses with no sweeper, so ask; the clocks may
      // differ by a few ms, hence the short bounded loop.
      let view = await server.api.getDrop(drop.id);
      while (view.body.availableStock !== 1) {
        expect(Date.now() - receivedAt).toBeLessThan(12_000);
        view = await server.api.getDrop(drop.id);
      }
      expect(view.body).toMatchObject({ availableStock: 1, heldStock: 0, status: "live" });
      const mine = await server.api.getReservation(alice.token, ok(hold).reservation.id);
      expect(mine.body.reservation?.status).toBe("expired");

      const expired = waitForEvent(aliceSocket, "reservationExpired", (e) => e.reservationId === ok(hold).reservation.id);
      const taken = await server.api.reserve(bob.token, drop.id);
      expect(taken.status).toBe(201);
      await expired;

      const { rows } = await server.db.pool.query(`SELECT status::text FROM reservations WHERE id = $1`, [ok(hold).reservation.id]);
      expect(rows[0].status).toBe("expired");
      expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 1, activeHoldUnits: 1 });
    } finally {
      aliceSocket.close();
    }
  });
});
