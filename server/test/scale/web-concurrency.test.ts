import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientToServerEvents, ServerToClientEvents } from "../../src/realtime/events.js";
import { checkStock, createTestDatabase, type TestDatabase } from "../database.js";
import { spawnServer, type ServerProcess } from "../process.js";
import { ApiClient, ok, testEnv, waitForEvent } from "../server.js";

/** `WEB_CONCURRENCY=2` through the real entry point: one port, two server processes. */
describe("WEB_CONCURRENCY=2", () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let api: ApiClient;
  let url: string;
  let polling: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = spawnServer({ ...process.env, ...testEnv({ DATABASE_URL: db.url, LOG_LEVEL: "info", WEB_CONCURRENCY: "2" }) });
    url = await server.url;
    api = new ApiClient(url);
  });
  afterAll(async () => {
    polling?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
    await db?.drop();
  });

  it("runs two server processes behind the one port", async () => {
    const { rows } = await db.pool.query("SELECT count(DISTINCT pid)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'dropline-bus'");
    // Each worker keeps its own bus connections (the primary has none).
    expect(rows[0].n).toBeGreaterThanOrEqual(2);
  });

  it("keeps a long-polling-only client connected and on its process, and it hears every change, each once", async () => {
    polling = io(url, { transports: ["polling"], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      polling!.once("connect", () => resolve());
      polling!.once("connect_error", reject);
    });
    let disconnected = "";
    polling.on("disconnect", (reason) => (disconnected = reason));
    const drop = await api.createDrop({ totalStock: 20 });
    const versions: number[] = [];
    polling.on("stockUpdated", (update) => {
      if (update.dropId === drop.id) versions.push(update.version);
    });
    // Holds spread over both processes (the primary balances new connections), one after another.
    const shoppers = await Promise.all(Array.from({ length: 10 }, (_, i) => api.shopper(`poll${i}`)));
    for (const shopper of shoppers) ok(await api.reserve(shopper.token, drop.id), 201);
    if (versions.at(-1) !== drop.version + 10) {
      await waitForEvent(polling, "stockUpdated", (update) => update.dropId === drop.id && update.version === drop.version + 10, 5_000);
    }
    expect(versions.at(-1)).toBe(drop.version + 10);
    expect(new Set(versions).size).toBe(versions.length);
    expect(disconnected).toBe("");
    expect(polling.connected).toBe(true);
    expect(polling.io.engine.transport.name).toBe("polling");
  });

  it("never oversells: 100 concurrent holds on 20 units through the one port grant exactly 20", async () => {
    const drop = await api.createDrop({ totalStock: 20 });
    const shoppers = await Promise.all(Array.from({ length: 100 }, (_, i) => api.shopper(`crowd${i}`)));
    const answers = await Promise.all(shoppers.map((shopper) => api.reserve(shopper.token, drop.id)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(20);
    expect(answers.every((answer) => answer.status === 201 || answer.body.error === "OUT_OF_STOCK")).toBe(true);
    expect(await checkStock(db.pool, drop.id)).toMatchObject({ totalStock: 20, heldStock: 20, activeHoldUnits: 20 });
  });
});
