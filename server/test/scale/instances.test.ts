import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { checkStock, createTestDatabase, type TestDatabase } from "../database.js";
import { spawnServer, type ServerProcess } from "../process.js";
import { ApiClient, connectSocket, ok, testEnv, waitForEvent, type TestSocket } from "../server.js";

/**
 * Two instances on one PostgreSQL, as two machines behind a load balancer:
 * A is the real entry point in a process of its own (so it can be killed),
 * B runs in this process. Both have their sweepers on.
 */
describe("two instances on one database", () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: RunningServer;
  let apiA: ApiClient;
  let apiB: ApiClient;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    a = spawnServer({ ...process.env, ...testEnv({ DATABASE_URL: db.url, LOG_LEVEL: "info", EXPIRY_SWEEP_MS: "200" }) });
    b = await startServer(loadConfig(testEnv({ DATABASE_URL: db.url, EXPIRY_SWEEP_MS: "200" })), { skipMigrations: true });
    apiA = new ApiClient(await a.url);
    apiB = new ApiClient(b.url);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    if (a && a.child.exitCode === null) {
      a.child.kill("SIGTERM");
      await a.exited;
    }
    await b?.close();
    await db?.drop();
  });

  const socketOn = async (url: string, token?: string) => {
    const socket = await connectSocket(url, token);
    sockets.push(socket);
    return socket;
  };

  it("a client on B hears stockUpdated for a hold taken on A within 500 ms, with the commit time", async () => {
    const drop = await apiA.createDrop({ totalStock: 5 });
    const onB = await socketOn(b.url);
    const shopper = await apiA.shopper("cross");
    const heard = waitForEvent(onB, "stockUpdated", (update) => update.dropId === drop.id && update.heldStock === 1);
    const sentAt = Date.now();
    ok(await apiA.reserve(shopper.token, drop.id), 201);
    const { payload, at } = await heard;
    expect(at - sentAt).toBeLessThan(500);
    expect(Date.parse(payload.committedAt)).toBeGreaterThanOrEqual(sentAt - 1_000);
    expect(payload).toMatchObject({ availableStock: 4, version: drop.version + 1 });
  });

  it("300 concurrent holds spread over both instances on a 50-unit drop grant exactly 50", async () => {
    const drop = await apiA.createDrop({ totalStock: 50 });
    const shoppers = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? apiA : apiB).shopper(`race${i}`)));
    const answers = await Promise.all(shoppers.map((shopper, i) => (i % 2 === 0 ? apiB : apiA).reserve(shopper.token, drop.id)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(50);
    expect(answers.filter((answer) => answer.status !== 201).every((answer) => answer.status === 409 && answer.body.error === "OUT_OF_STOCK")).toBe(true);
    const stock = await checkStock(db.pool, drop.id);
    expect(stock).toMatchObject({ totalStock: 50, heldStock: 50, soldStock: 0, activeHoldUnits: 50 });
    // Both instances' fast paths now refuse, and agree with the database.
    const late = await apiB.shopper("late");
    expect((await apiA.reserve(late.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    expect((await apiB.reserve(late.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
  });

  it("a hold that sold a drop out on A is its owner's on B too: a repeat click answers the hold, not OUT_OF_STOCK", async () => {
    const drop = await apiA.createDrop({ totalStock: 1 });
    const owner = await apiA.shopper("owner");
    const other = await apiA.shopper("other");
    const hold = ok(await apiA.reserve(owner.token, drop.id), 201).reservation;
    // B learns the drop is sold out (its fast path now holds it) ...
    expect((await apiB.reserve(other.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    // ... and still leaves the owner's answer to the database.
    expect(ok(await apiB.reserve(owner.token, drop.id), 200).reservation.id).toBe(hold.id);
  });

  it("an expiry of a hold taken on A reaches its owner on B exactly once", async () => {
    const drop = await apiA.createDrop({ totalStock: 3, holdSeconds: 10 });
    const shopper = await apiA.shopper("expiring");
    const onB = await socketOn(b.url, shopper.token);
    const expiries: string[] = [];
    onB.on("reservationExpired", (event) => expiries.push(event.reservationId));
    const hold = ok(await apiA.reserve(shopper.token, drop.id), 201).reservation;
    // Shortened in the database, so the test does not wait ten seconds; both sweepers race for it.
    await db.pool.query("UPDATE reservations SET expires_at = created_at + interval '1 second' WHERE id = $1", [hold.id]);
    await waitForEvent(onB, "reservationExpired", (event) => event.reservationId === hold.id, 5_000);
    // Barrier: a later public event from each instance; a second notice would have arrived before them.
    const barrierA = waitForEvent(onB, "dropUpdated", (view) => view.id === drop.id && view.name === "barrier A");
    await apiA.updateDrop(drop.id, { name: "barrier A" });
    await barrierA;
    const barrierB = waitForEvent(onB, "dropUpdated", (view) => view.id === drop.id && view.name === "barrier B");
    await apiB.updateDrop(drop.id, { name: "barrier B" });
    await barrierB;
    expect(expiries.filter((id) => id === hold.id)).toEqual([hold.id]);
  });

  it("a watching client hears only the drops it watches; one that never watched hears every drop", async () => {
    const watched = await apiA.createDrop({ totalStock: 5 });
    const ignored = await apiA.createDrop({ totalStock: 5 });
    const watcher = await socketOn(b.url);
    const everything = await socketOn(b.url);
    const heardByWatcher: string[] = [];
    watcher.on("stockUpdated", (update) => heardByWatcher.push(update.dropId));
    // The acknowledgement says the watch is in place (the event itself may arrive after later HTTP requests).
    const answer = await watcher.timeout(5_000).emitWithAck("watch", { dropIds: [watched.id.toUpperCase()] });
    expect(answer).toEqual({ dropIds: [watched.id] });
    expect(await watcher.timeout(5_000).emitWithAck("watch", { dropIds: "all" } as never)).toEqual({ error: "VALIDATION_ERROR" });
    const shopper = await apiA.shopper("watch");
    const ignoredHeard = waitForEvent(everything, "stockUpdated", (update) => update.dropId === ignored.id);
    ok(await apiA.reserve(shopper.token, ignored.id), 201);
    await ignoredHeard;
    const watchedHeard = waitForEvent(watcher, "stockUpdated", (update) => update.dropId === watched.id);
    ok(await apiA.reserve(shopper.token, watched.id), 201);
    await watchedHeard;
    expect(heardByWatcher).toEqual([watched.id]);
  });

  it("killing A with SIGKILL leaves B serving, and A's holds still expire on time", async () => {
    const drop = await apiA.createDrop({ totalStock: 2, holdSeconds: 10 });
    const shopper = await apiA.shopper("orphan");
    const onB = await socketOn(b.url, shopper.token);
    const hold = ok(await apiA.reserve(shopper.token, drop.id), 201).reservation;
    a.child.kill("SIGKILL");
    await a.exited;
    await db.pool.query("UPDATE reservations SET expires_at = created_at + interval '1 second' WHERE id = $1", [hold.id]);
    const expiresAt = (await db.pool.query("SELECT expires_at FROM reservations WHERE id = $1", [hold.id])).rows[0].expires_at as Date;
    const { at } = await waitForEvent(onB, "reservationExpired", (event) => event.reservationId === hold.id, 5_000);
    expect(at - expiresAt.getTime()).toBeLessThanOrEqual(1_500);
    expect(await checkStock(db.pool, drop.id)).toMatchObject({ heldStock: 0, activeHoldUnits: 0 });
    const next = await apiB.shopper("after");
    expect((await apiB.reserve(next.token, drop.id)).status).toBe(201);
  });
});
