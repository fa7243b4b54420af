import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startServer, type RunningServer } from "../../src/server.js";
import type { SessionResponse } from "../../src/sessions/sessions.schemas.js";
import { createTestDatabase, type TestDatabase } from "../database.js";
import { spawnServer, type ServerProcess } from "../process.js";
import { ApiClient, connectSocket, ok, testEnv, waitForEvent, type TestSocket } from "../server.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();
const env = (db: TestDatabase) => testEnv({ DATABASE_URL: db.url, QUEUE_TICK_MS: "50" });

interface EntrySnapshot {
  user_id: string;
  status: string;
  number: number | null;
}
const snapshot = async (db: TestDatabase, dropId: string) =>
  (
    await db.pool.query<EntrySnapshot>("SELECT user_id::text, status::text, number FROM queue_entries WHERE drop_id = $1 ORDER BY user_id", [
      dropId,
    ])
  ).rows;

async function stop(server: ServerProcess, signal: NodeJS.Signals): Promise<void> {
  if (server.child.exitCode !== null) return;
  server.child.kill(signal);
  await server.exited;
}

describe("the line survives restarts", () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (server) await stop(server, "SIGKILL");
    await db?.drop();
  });

  it("a pre-queue joined before a crash is drawn after the restart; a second crash keeps every number and status", async () => {
    server = spawnServer({ ...process.env, ...env(db) });
    let api = new ApiClient(await server.url);
    const startsAt = isoIn(2_500);
    const drop = await api.createDrop({ totalStock: 100, startsAt, queue: { admitPerSecond: 1, admissionSeconds: 60 } });
    const crowd = await Promise.all(Array.from({ length: 10 }, () => api.shopper("crash")));
    for (const shopper of crowd) ok(await api.joinQueue(shopper.token, drop.id), 201);
    const beforeCrash = await snapshot(db, drop.id);
    expect(beforeCrash.every((entry) => entry.status === "pre_queue")).toBe(true);

    await stop(server, "SIGKILL");
    // Real time has to pass the start while nothing runs: that is what this test is about.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(startsAt) - Date.now())));
    server = spawnServer({ ...process.env, ...env(db) });
    api = new ApiClient(await server.url);
    const watcher = await connectSocket(await server.url);
    await waitForEvent(watcher, "queueUpdated", (update) => update.dropId === drop.id && update.admittedThrough >= 1, 10_000);
    watcher.close();

    const drawn = await snapshot(db, drop.id);
    expect(drawn.map((entry) => entry.user_id)).toEqual(beforeCrash.map((entry) => entry.user_id));
    expect(drawn.map((entry) => entry.number).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));

    await stop(server, "SIGKILL");
    const afterCrash = await snapshot(db, drop.id);
    // Admission went on until the kill; the numbers never move.
    expect(afterCrash.map((entry) => entry.number)).toEqual(drawn.map((entry) => entry.number));
    server = spawnServer({ ...process.env, ...env(db) });
    api = new ApiClient(await server.url);
    const entries = await Promise.all(crowd.map(async (shopper) => ok(await api.queueEntry(shopper.token, drop.id))));
    const byUser = new Map(afterCrash.map((entry) => [entry.user_id, entry]));
    for (const [i, entry] of entries.entries()) {
      const before = byUser.get(crowd[i]!.user.id)!;
      expect(entry.number).toBe(before.number);
      // Statuses only move forward: waiting may have been admitted since, nothing goes back.
      if (before.status === "admitted") expect(["admitted", "lapsed"]).toContain(entry.status);
      else expect(["waiting", "admitted"]).toContain(entry.status);
    }
  });
});

/**
 * Two instances on one database: A, the real entry point in a process of its
 * own (it starts first, so it leads), and B in this process.
 */
describe("two instances admit once", () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: RunningServer;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    a = spawnServer({ ...process.env, ...env(db), LOG_LEVEL: "info" });
    await a.url;
    // A leads before B exists: wait until A's session holds the leader lock.
    for (let tries = 0; tries < 100; tries++) {
      const { rowCount } = await db.pool.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1146244945 AND granted");
      if (rowCount) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    b = await startServer(loadConfig(env(db)), { skipMigrations: true });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    if (a) await stop(a, "SIGTERM");
    await b?.close();
    await db?.drop();
  });

  it("one leader at a time: every shopper is let in once, in order, at the rate; when the leader dies the other instance takes over", async () => {
    const apiA = new ApiClient(await a.url);
    const apiB = new ApiClient(b.url);
    expect(b.admission?.isLeader()).toBe(false);

    const rate = 8;
    const drop = await apiA.createDrop({ totalStock: 100, queue: { admitPerSecond: rate, admissionSeconds: 60 } });
    const crowd: SessionResponse[] = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? apiA : apiB).shopper("pair")));
    const admissions = new Map<string, number>();
    for (const [i, shopper] of crowd.entries()) {
      // Half the shoppers listen on A, half on B: private events must cross instances, once.
      const socket = await connectSocket(i % 2 ? b.url : await a.url, shopper.token);
      sockets.push(socket);
      socket.on("queueAdmitted", (event) => {
        if (event.dropId === drop.id) admissions.set(shopper.user.id, (admissions.get(shopper.user.id) ?? 0) + 1);
      });
      ok(await (i % 2 ? apiB : apiA).joinQueue(shopper.token, drop.id), 201);
    }
    const watcher = await connectSocket(b.url);
    sockets.push(watcher);
    await waitForEvent(watcher, "queueUpdated", (update) => update.dropId === drop.id && update.admittedThrough >= 8, 10_000);

    a.child.kill("SIGKILL");
    await a.exited;
    await waitForEvent(watcher, "queueUpdated", (update) => update.dropId === drop.id && update.admittedThrough >= 24, 15_000);
    expect(b.admission?.isLeader()).toBe(true);

    const { rows } = await db.pool.query<{ number: number; admitted_at: Date }>(
      "SELECT number, admitted_at FROM queue_entries WHERE drop_id = $1 ORDER BY number",
      [drop.id],
    );
    expect(rows.map((row) => row.number)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const times = rows.map((row) => row.admitted_at.getTime());
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
    const batch = Math.max(1, Math.ceil((rate * 50) / 1000));
    for (const start of times) expect(times.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(rate + batch);

    // Each shopper heard "your turn" exactly once (a barrier event from B first: a duplicate would have come before it).
    const barrier = waitForEvent(watcher, "dropUpdated", (view) => view.id === drop.id && view.name === "barrier");
    await apiB.updateDrop(drop.id, { name: "barrier" });
    await barrier;
    const survivors = crowd.filter((_, i) => i % 2 === 1); // their sockets were on B, which lives
    for (const shopper of survivors) expect(admissions.get(shopper.user.id)).toBe(1);
  });
});
