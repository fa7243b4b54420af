import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { ok, startTestServer, type TestServer } from "../../test/server.js";

describe("holds under contention", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it("when 300 shoppers race for 50 units, exactly 50 get a hold and the rest are told OUT_OF_STOCK", async () => {
    const drop = await server.api.createDrop({ totalStock: 50, maxPerUser: 1 });
    const shoppers = await Promise.all(Array.from({ length: 300 }, (_, i) => server.api.shopper(`racer${i}`)));

    const answers = await Promise.all(shoppers.map((s) => server.api.reserve(s.token, drop.id)));

    const granted = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409 && a.body.error === "OUT_OF_STOCK");
    expect(granted).toHaveLength(50);
    expect(refused).toHaveLength(250);
    expect(new Set(granted.map((a) => ok(a).reservation.id)).size).toBe(50);

    const stock = await checkStock(server.db.pool, drop.id);
    expect(stock).toMatchObject({ totalStock: 50, heldStock: 50, soldStock: 0, activeHoldUnits: 50, purchasedUnits: 0 });
    const view = await server.api.getDrop(drop.id);
    expect(view.body).toMatchObject({ availableStock: 0, heldStock: 50, soldStock: 0, status: "sold_out" });
  });

  it("when one shopper fires 20 reserves at once, one hold is made and every answer is that hold", async () => {
    const drop = await server.api.createDrop({ totalStock: 10, maxPerUser: 3 });
    const shopper = await server.api.shopper("eager");

    const answers = await Promise.all(Array.from({ length: 20 }, () => server.api.reserve(shopper.token, drop.id, 2)));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    expect(new Set(answers.map((a) => ok(a).reservation.id)).size).toBe(1);
    const stock = await checkStock(server.db.pool, drop.id);
    expect(stock).toMatchObject({ heldStock: 2, activeHoldUnits: 2 });
  });

  it("when shoppers take multi-unit holds concurrently, stock is never oversold", async () => {
    const drop = await server.api.createDrop({ totalStock: 37, maxPerUser: 5 });
    const shoppers = await Promise.all(Array.from({ length: 60 }, (_, i) => server.api.shopper(`multi${i}`)));

    const answers = await Promise.all(shoppers.map((s, i) => server.api.reserve(s.token, drop.id, (i % 5) + 1)));

    const heldUnits = answers.filter((a) => a.status === 201).reduce((sum, a) => sum + ok(a).reservation.quantity, 0);
    expect(answers.every((a) => a.status === 201 || (a.status === 409 && a.body.error === "OUT_OF_STOCK"))).toBe(true);
    expect(heldUnits).toBeLessThanOrEqual(37);
    // Everything left is smaller than every refused request's quantity.
    const smallestRefused = Math.min(...answers.map((a, i) => (a.status === 409 ? (i % 5) + 1 : Infinity)));
    expect(37 - heldUnits).toBeLessThan(smallestRefused);
    const stock = await checkStock(server.db.pool, drop.id);
    expect(stock.heldStock).toBe(heldUnits);
    expect(stock.activeHoldUnits).toBe(heldUnits);
  });
});
