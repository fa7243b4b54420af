import { afterAll, beforeAll, describe, it } from "vitest";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";

/** A hold's price is fixed when it is taken: what every view of it shows is what the purchase charges. */
describe.concurrent("the price of a hold", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it.for([
    ["10.00", "500.00", "20.00"],
    ["500.00", "10.00", "1000.00"],
  ])("a hold taken at %s keeps its price when the admin changes it to %s: every view shows %s, and that is what is charged", async ([held, edited, amount], { expect }) => {
    const drop = await server.api.createDrop({ price: held, totalStock: 5, maxPerUser: 2 });
    const shopper = await server.api.shopper("price");
    const taken = ok(await server.api.reserve(shopper.token, drop.id, 2), 201).reservation;
    expect(taken).toMatchObject({ unitPrice: held, amount, paymentInFlight: false });

    const socket = await connectSocket(server.url, shopper.token);
    try {
      const edit = waitForEvent(socket, "dropUpdated", (view) => view.id === drop.id);
      ok(await server.api.updateDrop(drop.id, { price: edited }));
      expect((await edit).payload.price).toBe(edited);

      const views = [
        ok(await server.api.getReservation(shopper.token, taken.id)).reservation,
        ok(await server.api.me(shopper.token)).reservations.find((r) => r.id === taken.id),
        ok(await server.api.getDrop(drop.id, shopper.token)).myReservation,
        ok(await server.api.reserve(shopper.token, drop.id, 2), 200).reservation,
      ];
      for (const view of views) expect(view).toMatchObject({ id: taken.id, unitPrice: held, amount });

      const completed = waitForEvent(socket, "reservationUpdated", (event) => event.reservation.id === taken.id && event.reservation.status === "completed");
      const purchase = ok(await server.api.purchase(shopper.token, taken.id), 201).purchase;
      expect(purchase.amountPaid).toBe(amount);
      expect((await completed).payload.reservation).toMatchObject({ unitPrice: held, amount });
      // A new hold takes the new price.
      const other = await server.api.shopper("price");
      expect(ok(await server.api.reserve(other.token, drop.id, 1), 201).reservation).toMatchObject({ unitPrice: edited, amount: edited });
    } finally {
      socket.close();
    }
  });

  it("a hold's cart-expired and cancelled views keep its price", async ({ expect }) => {
    const drop = await server.api.createDrop({ price: "12.34", totalStock: 5, maxPerUser: 3 });
    const shopper = await server.api.shopper("price");
    const taken = ok(await server.api.reserve(shopper.token, drop.id, 3), 201).reservation;
    const cancelled = ok(await server.api.cancelReservation(shopper.token, taken.id)).reservation;
    expect(cancelled).toMatchObject({ status: "cancelled", unitPrice: "12.34", amount: "37.02", paymentInFlight: false });

    const socket = await connectSocket(server.url, shopper.token);
    try {
      const again = ok(await server.api.reserve(shopper.token, drop.id, 1), 201).reservation;
      const expired = waitForEvent(socket, "reservationUpdated", (event) => event.reservation.id === again.id && event.reservation.status === "expired", 8_000);
      await server.db.pool.query(`UPDATE reservations SET expires_at = clock_timestamp() + interval '100 milliseconds' WHERE id = $1::uuid`, [again.id]);
      expect((await expired).payload.reservation).toMatchObject({ unitPrice: "12.34", amount: "12.34" });
    } finally {
      socket.close();
    }
  });
});
