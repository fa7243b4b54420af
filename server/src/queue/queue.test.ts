import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

describe("waiting room", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ QUEUE_TICK_MS: "50" });
    (await import("../log.js")).setLogLevel("info");
  });
  afterAll(() => server?.stop());

  it("smoke: pre-queue, draw, admission, hold", async () => {
    const drop = await server.api.createDrop({ totalStock: 3, startsAt: isoIn(1500), queue: { admitPerSecond: 20, admissionSeconds: 30 } });
    expect(drop.queue).toMatchObject({ state: "pre_queue", admitPerSecond: 20, admissionSeconds: 30 });
    const shoppers = await Promise.all([1, 2, 3, 4, 5].map(() => server.api.shopper()));
    const sockets = await Promise.all(shoppers.map((s) => connectSocket(server.url, s.token)));
    const joined = await Promise.all(shoppers.map((s) => server.api.joinQueue(s.token, drop.id)));
    for (const j of joined) expect(ok(j, 201)).toMatchObject({ status: "pre_queue", number: null });
    const before = await server.api.reserve(shoppers[0]!.token, drop.id, 1);
    expect(before.status).toBe(403);
    expect(before.body).toMatchObject({ error: "NOT_ADMITTED", details: { status: "pre_queue", position: null } });
    const admitted = await Promise.any(sockets.map((s) => waitForEvent(s, "queueAdmitted", (p) => p.dropId === drop.id, 8000)));
    expect(admitted).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1000));
    const entries = await Promise.all(shoppers.map(async (s) => ok(await server.api.queueEntry(s.token, drop.id))));
    console.log(entries);
    const numbers = entries.map((e) => e.number).sort();
    expect(numbers).toEqual([1, 2, 3, 4, 5]);
    for (const s of sockets) s.close();
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 0 });
  });
});
