import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { ok, startTestServer, type SomeAnswer, type TestServer } from "../../test/server.js";

const HOUR = 3_600_000;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

describe("reservations and purchases", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  /** The stock invariant, straight from the rows: counters match a recount and never exceed the total. */
  async function expectStockConsistent(dropId: string) {
    const stock = await checkStock(server.db.pool, dropId);
    expect(stock.heldStock, "held counter vs active hold rows").toBe(stock.activeHoldUnits);
    expect(stock.soldStock, "sold counter vs purchase rows").toBe(stock.purchasedUnits);
    expect(stock.completedHoldUnits, "completed holds vs purchases").toBe(stock.purchasedUnits);
    expect(stock.heldStock + stock.soldStock).toBeLessThanOrEqual(stock.totalStock);
    expect(Math.min(stock.heldStock, stock.soldStock)).toBeGreaterThanOrEqual(0);
    return stock;
  }
  const dropView = async (id: string, token?: string) => (await server.api.getDrop(id, token)).body;
  const cancel = (token: string, id: string) => server.api.cancelReservation(token, id);

  describe("taking a hold", () => {
    it("when a shopper reserves again, they get 200 with the same hold and the same expiresAt, never extended or resized", async () => {
      const drop = await server.api.createDrop({ totalStock: 5, maxPerUser: 3 });
      const shopper = await server.api.shopper();

      const first = await server.api.reserve(shopper.token, drop.id, 1);
      const again = await server.api.reserve(shopper.token, drop.id, 2);

      expect(first.status).toBe(201);
      expect(first.body.reservation).toMatchObject({ dropId: drop.id, quantity: 1, status: "active" });
      expect(Date.parse(ok(first).reservation.expiresAt) - Date.parse(ok(first).reservation.createdAt)).toBe(drop.holdSeconds * 1000);
      expect(again.status).toBe(200);
      const { serverTime: _a, ...firstHold } = ok(first).reservation;
      const { serverTime: _b, ...sameHold } = ok(again).reservation;
      expect(sameHold).toEqual(firstHold);
      expect(await expectStockConsistent(drop.id)).toMatchObject({ heldStock: 1 });
    });

    it("when the quantity alone is over maxPerUser, the hold is refused with 409 LIMIT_EXCEEDED", async () => {
      const drop = await server.api.createDrop({ totalStock: 10, maxPerUser: 2 });
      const shopper = await server.api.shopper();

      const answer = await server.api.reserve(shopper.token, drop.id, 3);

      expect(answer.status).toBe(409);
      expect(answer.body.error).toBe("LIMIT_EXCEEDED");
      expect(await expectStockConsistent(drop.id)).toMatchObject({ heldStock: 0 });
    });

    it("when what a shopper bought plus the new quantity is over maxPerUser, the hold is refused with 409 LIMIT_EXCEEDED; within the limit it is granted", async () => {
      const drop = await server.api.createDrop({ totalStock: 10, maxPerUser: 2 });
      const shopper = await server.api.shopper();
      const hold = await server.api.reserve(shopper.token, drop.id, 1);
      expect((await server.api.purchase(shopper.token, ok(hold).reservation.id)).status).toBe(201);

      const tooMany = await server.api.reserve(shopper.token, drop.id, 2);
      expect(tooMany.status).toBe(409);
      expect(tooMany.body.error).toBe("LIMIT_EXCEEDED");

      const lastOne = await server.api.reserve(shopper.token, drop.id, 1);
      expect(lastOne.status).toBe(201);
      expect(await expectStockConsistent(drop.id)).toMatchObject({ heldStock: 1, soldStock: 1 });
    });

    it.each([
      ["has not started", { startsAt: isoIn(HOUR) }],
      ["has ended", { startsAt: isoIn(-2 * HOUR), endsAt: isoIn(-HOUR) }],
    ])("when the drop %s, a hold is refused with 409 DROP_NOT_LIVE", async (_state, times) => {
      const drop = await server.api.createDrop({ totalStock: 3, ...times });
      const shopper = await server.api.shopper();

      const answer = await server.api.reserve(shopper.token, drop.id);

      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ error: "DROP_NOT_LIVE", message: expect.any(String) });
      expect(await expectStockConsistent(drop.id)).toMatchObject({ totalStock: 3, heldStock: 0, soldStock: 0 });
    });
  });

  describe("cancelling a hold", () => {
    it("when a shopper cancels, the hold is cancelled, its units are back at once, and a second cancel is 409 RESERVATION_NOT_ACTIVE", async () => {
      const drop = await server.api.createDrop({ totalStock: 4, maxPerUser: 3 });
      const shopper = await server.api.shopper();
      const hold = ok(await server.api.reserve(shopper.token, drop.id, 3)).reservation;
      expect(await dropView(drop.id)).toMatchObject({ availableStock: 1, heldStock: 3 });

      const cancelled = await cancel(shopper.token, hold.id);

      expect(cancelled.status).toBe(200);
      expect(cancelled.body.reservation).toMatchObject({ id: hold.id, status: "cancelled", quantity: 3 });
      expect(await dropView(drop.id)).toMatchObject({ availableStock: 4, heldStock: 0, soldStock: 0 });
      expect((await server.api.getReservation(shopper.token, hold.id)).body.reservation?.status).toBe("cancelled");
      await expectStockConsistent(drop.id);

      const again = await cancel(shopper.token, hold.id);
      expect(again.status).toBe(409);
      expect(again.body.error).toBe("RESERVATION_NOT_ACTIVE");
      expect(await expectStockConsistent(drop.id)).toMatchObject({ heldStock: 0 });
    });
  });

  describe("buying a hold", () => {
    it("when a shopper buys twice, the first is 201 and the second is 200 with the same purchase, paid price x quantity as a decimal string", async () => {
      const drop = await server.api.createDrop({ price: 19.99, totalStock: 5, maxPerUser: 3 });
      const shopper = await server.api.shopper();
      const hold = ok(await server.api.reserve(shopper.token, drop.id, 3)).reservation;

      const first = await server.api.purchase(shopper.token, hold.id);
      const second = await server.api.purchase(shopper.token, hold.id);

      expect(first.status).toBe(201);
      expect(first.body.purchase).toMatchObject({ dropId: drop.id, reservationId: hold.id, quantity: 3, amountPaid: "59.97", confirmationCode: expect.any(String) });
      expect(second.status).toBe(200);
      expect(second.body.purchase).toEqual(first.body.purchase);
      expect((await server.api.getReservation(shopper.token, hold.id)).body.reservation?.status).toBe("completed");
      expect(await dropView(drop.id)).toMatchObject({ availableStock: 2, heldStock: 0, soldStock: 3 });
      expect(await expectStockConsistent(drop.id)).toMatchObject({ heldStock: 0, soldStock: 3, purchasedUnits: 3 });
    });

    it("when a shopper buys a hold they cancelled, the answer is 410 RESERVATION_EXPIRED and nothing is sold", async () => {
      const drop = await server.api.createDrop({ totalStock: 2 });
      const shopper = await server.api.shopper();
      const hold = ok(await server.api.reserve(shopper.token, drop.id)).reservation;
      await cancel(shopper.token, hold.id);

      const answer = await server.api.purchase(shopper.token, hold.id);

      expect(answer.status).toBe(410);
      expect(answer.body.error).toBe("RESERVATION_EXPIRED");
      expect(await expectStockConsistent(drop.id)).toMatchObject({ heldStock: 0, soldStock: 0, purchasedUnits: 0 });
    });
  });

  describe("who may do what", () => {
    it("another shopper's hold answers 404 exactly like a hold that does not exist, and stays untouched", async () => {
      const drop = await server.api.createDrop({ totalStock: 3 });
      const [owner, stranger] = await Promise.all([server.api.shopper("owner"), server.api.shopper("stranger")]);
      const hold = ok(await server.api.reserve(owner.token, drop.id)).reservation;
      const nobody = "00000000-0000-4000-8000-000000000000";

      const attempts = {
        get: (id: string) => server.api.getReservation(stranger.token, id),
        cancel: (id: string) => cancel(stranger.token, id),
        buy: (id: string) => server.api.purchase(stranger.token, id),
      };
      for (const [name, attempt] of Object.entries(attempts)) {
        const theirs = await attempt(hold.id);
        const missing = await attempt(nobody);
        expect(theirs.status, name).toBe(404);
        expect(theirs.body, name).toEqual(missing.body);
      }

      expect((await server.api.getReservation(owner.token, hold.id)).body.reservation?.status).toBe("active");
      expect(await expectStockConsistent(drop.id)).toMatchObject({ heldStock: 1, soldStock: 0 });
    });

    it.each([
      ["POST /api/drops", "POST", () => "/api/drops"],
      ["PATCH /api/drops/:id", "PATCH", (id: string) => `/api/drops/${id}`],
    ])("%s refuses a request without a token (401) and one with a shopper token (403)", async (_route, method, path) => {
      const drop = await server.api.createDrop({ totalStock: 3 });
      const shopper = await server.api.shopper();
      const body = { name: "Sneaky", price: "1.00", totalStock: 0 };

      const anonymous = await server.api.call<SomeAnswer>(method, path(drop.id), { body });
      const asShopper = await server.api.call<SomeAnswer>(method, path(drop.id), { body, token: shopper.token });

      expect([anonymous.status, anonymous.body.error]).toEqual([401, "UNAUTHENTICATED"]);
      expect([asShopper.status, asShopper.body.error]).toEqual([403, "FORBIDDEN"]);
      expect(await dropView(drop.id)).toMatchObject({ name: "Test drop", totalStock: 3, version: drop.version });
    });

    it.each([
      ["POST", "/api/reservations", { dropId: "00000000-0000-4000-8000-000000000000" }],
      ["GET", "/api/reservations/00000000-0000-4000-8000-000000000000", undefined],
      ["DELETE", "/api/reservations/00000000-0000-4000-8000-000000000000", undefined],
      ["POST", "/api/purchases", { reservationId: "00000000-0000-4000-8000-000000000000" }],
      ["GET", "/api/me", undefined],
    ])("%s %s refuses a request without a token with 401 UNAUTHENTICATED", async (method, path, body) => {
      const answer = await server.api.call(method, path, { body });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: "UNAUTHENTICATED", message: expect.any(String) });
    });
  });

  describe("admin edits", () => {
    it("when totalStock would go below what is held plus sold, the edit is refused with 409 STOCK_BELOW_COMMITTED; exactly that much is allowed", async () => {
      const drop = await server.api.createDrop({ totalStock: 10, maxPerUser: 3 });
      const [holder, buyer] = await Promise.all([server.api.shopper("holder"), server.api.shopper("buyer")]);
      await server.api.reserve(holder.token, drop.id, 3);
      const bought = ok(await server.api.reserve(buyer.token, drop.id, 2)).reservation;
      await server.api.purchase(buyer.token, bought.id);

      const below = await server.api.updateDrop(drop.id, { totalStock: 4 });
      expect(below.status).toBe(409);
      expect(below.body.error).toBe("STOCK_BELOW_COMMITTED");
      expect(await expectStockConsistent(drop.id)).toMatchObject({ totalStock: 10, heldStock: 3, soldStock: 2 });

      const exact = await server.api.updateDrop(drop.id, { totalStock: 5 });
      expect(exact.status).toBe(200);
      expect(exact.body).toMatchObject({ totalStock: 5, availableStock: 0, heldStock: 3, soldStock: 2, status: "sold_out" });
      expect(await expectStockConsistent(drop.id)).toMatchObject({ totalStock: 5 });
    });
  });

  describe("what a shopper sees of their own", () => {
    it("GET /api/me lists the shopper's reservations and purchases, newest first", async () => {
      const drops = await Promise.all([1, 2, 3].map((i) => server.api.createDrop({ name: `History ${i}`, totalStock: 2 })));
      const shopper = await server.api.shopper("historian");
      const holds = [];
      for (const drop of drops) holds.push(ok(await server.api.reserve(shopper.token, drop.id)).reservation);
      const purchases = [];
      for (const hold of [holds[0]!, holds[2]!]) purchases.push(ok(await server.api.purchase(shopper.token, hold.id)).purchase);
      await cancel(shopper.token, holds[1]!.id);

      const me = await server.api.me(shopper.token);

      expect(me.status).toBe(200);
      expect(me.body.user).toEqual(shopper.user);
      expect(me.body.reservations?.map((r) => [r.id, r.status])).toEqual([
        [holds[2]!.id, "completed"],
        [holds[1]!.id, "cancelled"],
        [holds[0]!.id, "completed"],
      ]);
      expect(me.body.purchases).toEqual([purchases[1], purchases[0]]);
    });

    it("GET /api/drops with a token carries myReservation and myPurchasedQuantity; without one, neither field", async () => {
      const drop = await server.api.createDrop({ totalStock: 5, maxPerUser: 3 });
      const [shopper, other] = await Promise.all([server.api.shopper("mine"), server.api.shopper("notmine")]);
      const bought = ok(await server.api.reserve(shopper.token, drop.id, 2)).reservation;
      await server.api.purchase(shopper.token, bought.id);
      const hold = ok(await server.api.reserve(shopper.token, drop.id, 1)).reservation;
      const find = async (token?: string) => (await server.api.listDrops(token)).body.drops?.find((d) => d.id === drop.id);

      const mine = await find(shopper.token);
      const theirs = await find(other.token);
      const anonymous = await find();

      expect(mine?.myPurchasedQuantity).toBe(2);
      expect(mine?.myReservation).toMatchObject({ id: hold.id, dropId: drop.id, quantity: 1, status: "active", expiresAt: hold.expiresAt });
      expect(theirs).toMatchObject({ myReservation: null, myPurchasedQuantity: 0 });
      expect(anonymous).not.toHaveProperty("myReservation");
      expect(anonymous).not.toHaveProperty("myPurchasedQuantity");
      expect(anonymous).toMatchObject({ heldStock: 1, soldStock: 2, availableStock: 2 });
      await expectStockConsistent(drop.id);
    });

    it("a username differing only in case from a taken one is refused with 409 USERNAME_TAKEN", async () => {
      const name = `Case_${Math.random().toString(36).slice(2, 10)}`;
      expect((await server.api.startSession(name)).status).toBe(201);

      for (const variant of [name, name.toLowerCase(), name.toUpperCase()]) {
        const answer = await server.api.startSession(variant);
        expect([answer.status, answer.body.error], variant).toEqual([409, "USERNAME_TAKEN"]);
      }
    });
  });

  describe("Idempotency-Key", () => {
    it("a retried reserve with the same key and body returns the first response, even after that hold was cancelled", async () => {
      const drop = await server.api.createDrop({ totalStock: 5 });
      const shopper = await server.api.shopper();
      const headers = { "idempotency-key": `reserve-${Math.random()}` };
      const send = () => server.api.reserve(shopper.token, drop.id, undefined, { headers });

      const first = await send();
      await cancel(shopper.token, ok(first).reservation.id);
      const retry = await send();

      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body.reservation?.id).toBe(ok(first).reservation.id);
      expect(await expectStockConsistent(drop.id)).toMatchObject({ heldStock: 0 });
    });

    it("the same key with a different body is refused with 422 IDEMPOTENCY_KEY_REUSED", async () => {
      const [one, two] = await Promise.all([server.api.createDrop({ totalStock: 5 }), server.api.createDrop({ totalStock: 5 })]);
      const shopper = await server.api.shopper();
      const headers = { "idempotency-key": `reuse-${Math.random()}` };

      const first = await server.api.reserve(shopper.token, one.id, undefined, { headers });
      const reused = await server.api.reserve(shopper.token, two.id, undefined, { headers });

      expect(first.status).toBe(201);
      expect([reused.status, reused.body.error]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
      expect(await expectStockConsistent(two.id)).toMatchObject({ heldStock: 0 });
    });
  });
});
