import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { startServer, type RunningServer } from "../server.js";
import { checkStock } from "../../test/database.js";
import { ApiClient, ok, startTestServer, testEnv, type TestServer } from "../../test/server.js";

describe("the sold-out fast path on a real server", () => {
  let server: TestServer;
  beforeAll(async () => {
    // No sweeper: only the deadline itself can free the units in the lapse test.
    server = await startTestServer({ EXPIRY_SWEEP_MS: "60000" }, { sweeper: false });
  });
  afterAll(() => server?.stop());

  it("refuses newcomers from memory once sold out, still answers holders from the database, and forgets at a cancel", async () => {
    const drop = await server.api.createDrop({ totalStock: 2, maxPerUser: 1 });
    const [a, b, c] = await Promise.all([server.api.shopper("a"), server.api.shopper("b"), server.api.shopper("c")]);
    expect((await server.api.reserve(a.token, drop.id)).status).toBe(201);
    const bHold = await server.api.reserve(b.token, drop.id);
    expect(bHold.status).toBe(201);

    // The first refusal comes from the database and teaches the cache.
    expect((await server.api.reserve(c.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    await expect.poll(() => server.services.soldOut.refuses(drop.id, c.user.id, 1)).toBe(true);
    expect((await server.api.reserve(c.token, drop.id)).body.error).toBe("OUT_OF_STOCK");

    // A holder's repeat click is the database's to answer: their own hold, 200.
    expect(server.services.soldOut.refuses(drop.id, a.user.id, 1)).toBe(false);
    const again = await server.api.reserve(a.token, drop.id);
    expect(again.status).toBe(200);

    // A cancel frees a unit: the very next request is granted.
    await server.api.cancelReservation(b.token, ok(bHold).reservation.id);
    expect(server.services.soldOut.refuses(drop.id, c.user.id, 1)).toBe(false);
    expect((await server.api.reserve(c.token, drop.id)).status).toBe(201);
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 2, activeHoldUnits: 2 });
  });

  it("grants a unit freed by a lapsed hold right after its deadline, with no sweeper and no event", async () => {
    const drop = await server.api.createDrop({ totalStock: 1, holdSeconds: 10 });
    const [a, b] = await Promise.all([server.api.shopper("a"), server.api.shopper("b")]);
    const hold = await server.api.reserve(a.token, drop.id);
    const sentAt = Date.now();
    expect((await server.api.reserve(b.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    await expect.poll(() => server.services.soldOut.refuses(drop.id, b.user.id, 1)).toBe(true);

    const { expiresAt, serverTime } = ok(hold).reservation;
    const deadline = Date.parse(expiresAt) - (Date.parse(serverTime) - sentAt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 5));
    expect(server.services.soldOut.refuses(drop.id, b.user.id, 1)).toBe(false);
    const granted = await server.api.reserve(b.token, drop.id);
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
  });
});

describe("the sold-out fast path with two server instances on one database", () => {
  let first: TestServer;
  let second: RunningServer;
  beforeAll(async () => {
    first = await startTestServer({ EXPIRY_SWEEP_MS: "1000" });
    second = await startServer(
      loadConfig(testEnv({ DATABASE_URL: first.db.url, EXPIRY_SWEEP_MS: "1000" })),
      { skipMigrations: true },
    );
  });
  afterAll(async () => {
    await second?.close();
    await first?.stop();
  });

  it("a unit freed on the other instance is granted here within one sweep tick", async () => {
    const other = new ApiClient(second.url);
    const drop = await first.api.createDrop({ totalStock: 1 });
    const [a, b] = await Promise.all([first.api.shopper("a"), first.api.shopper("b")]);
    const hold = await first.api.reserve(a.token, drop.id);
    expect((await first.api.reserve(b.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    await expect.poll(() => first.services.soldOut.refuses(drop.id, b.user.id, 1)).toBe(true);

    // Released through the second instance: the first hears nothing of it.
    const cancelledAt = Date.now();
    expect((await other.cancelReservation(a.token, ok(hold).reservation.id)).status).toBe(200);
    let granted = await first.api.reserve(b.token, drop.id);
    while (granted.status !== 201) {
      expect(granted.body.error).toBe("OUT_OF_STOCK");
      expect(Date.now() - cancelledAt).toBeLessThan(1_000 + 500);
      await new Promise((resolve) => setTimeout(resolve, 20));
      granted = await first.api.reserve(b.token, drop.id);
    }
    expect(await checkStock(first.db.pool, drop.id)).toMatchObject({ heldStock: 1, activeHoldUnits: 1 });
  });
});
