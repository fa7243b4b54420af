import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { startServer, type RunningServer } from "../server.js";
import { createTestDatabase, type TestDatabase } from "../../test/database.js";
import { spawnServer } from "../../test/process.js";
import { ApiClient, ok, startTestServer, testEnv, type TestServer } from "../../test/server.js";

describe("an Idempotency-Key claimed by a process that died", () => {
  let db: TestDatabase;
  let survivor: RunningServer | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await survivor?.close();
    await db?.drop();
  });

  it("is taken over by the retry at once, not refused with 409 for a minute", async () => {
    const doomed = spawnServer({ ...process.env, ...testEnv({ DATABASE_URL: db.url, LOG_LEVEL: "info" }) });
    const api = new ApiClient(await doomed.url);
    const drop = await api.createDrop({ totalStock: 3 });
    const shopper = await api.shopper("retrier");
    const headers = { "idempotency-key": `crash-${Math.random()}` };

    // Hold the drop row so the first request is stuck inside its hold, its key claimed, when the process dies.
    const blocker = await db.pool.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM drops WHERE id = $1 FOR UPDATE", [drop.id]);
      const stuck = api.reserve(shopper.token, drop.id, 1, { headers }).catch(() => "connection lost");
      await expect
        .poll(async () => (await db.pool.query("SELECT count(*)::int AS n FROM idempotency_keys WHERE status_code IS NULL")).rows[0].n, { timeout: 10_000 })
        .toBe(1);
      doomed.child.kill("SIGKILL");
      await doomed.exited;
      expect(await stuck).toBe("connection lost");
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }

    survivor = await startServer(loadConfig(testEnv({ DATABASE_URL: db.url })), { skipMigrations: true });
    const retry = await new ApiClient(survivor.url).reserve(shopper.token, drop.id, 1, { headers });
    // The dead process's database session may still have finished its hold once the row was free:
    // then the retry runs and finds that hold (200), otherwise it takes it (201). Never 409.
    expect([200, 201]).toContain(retry.status);
    expect(ok(retry).reservation).toMatchObject({ dropId: drop.id, status: "active" });
    const { rows } = await db.pool.query("SELECT id::text FROM reservations WHERE user_id = $1 AND status = 'active'", [shopper.user.id]);
    expect(rows.map((row) => row.id)).toEqual([ok(retry).reservation.id]);
    // The retry's answer is now the key's answer.
    const replay = await new ApiClient(survivor.url).reserve(shopper.token, drop.id, 1, { headers });
    expect([replay.status, replay.headers.get("idempotent-replayed")]).toEqual([retry.status, "true"]);
  });
});

describe("an Idempotency-Key whose first request is still running", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it("is still refused with 409 IDEMPOTENCY_KEY_IN_USE while its owner lives", async () => {
    const drop = await server.api.createDrop({ totalStock: 3 });
    const shopper = await server.api.shopper("patient");
    const headers = { "idempotency-key": `running-${Math.random()}` };
    const blocker = await server.db.pool.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM drops WHERE id = $1 FOR UPDATE", [drop.id]);
      const first = server.api.reserve(shopper.token, drop.id, 1, { headers });
      await expect
        .poll(async () => (await server.db.pool.query("SELECT count(*)::int AS n FROM idempotency_keys WHERE status_code IS NULL")).rows[0].n, { timeout: 10_000 })
        .toBe(1);
      const duplicate = await server.api.reserve(shopper.token, drop.id, 1, { headers });
      expect([duplicate.status, duplicate.body.error]).toEqual([409, "IDEMPOTENCY_KEY_IN_USE"]);
      await blocker.query("ROLLBACK");
      expect((await first).status).toBe(201);
    } finally {
      blocker.release();
    }
  });

  it("answers 401, not 500, for a validly signed token of a shopper the database no longer has", async () => {
    const drop = await server.api.createDrop({ totalStock: 3 });
    const shopper = await server.api.shopper("gone");
    await server.db.pool.query("DELETE FROM users WHERE id = $1", [shopper.user.id]);
    const withKey = await server.api.reserve(shopper.token, drop.id, 1, { headers: { "idempotency-key": "k-gone" } });
    const without = await server.api.reserve(shopper.token, drop.id, 1);
    expect([withKey.status, withKey.body.error]).toEqual([401, "UNAUTHENTICATED"]);
    expect([without.status, without.body.error]).toEqual([401, "UNAUTHENTICATED"]);
    const purchase = await server.api.purchase(shopper.token, "00000000-0000-4000-8000-000000000000", { headers: { "idempotency-key": "k-gone-2" } });
    expect([purchase.status, purchase.body.error]).toEqual([401, "UNAUTHENTICATED"]);
  });
});
