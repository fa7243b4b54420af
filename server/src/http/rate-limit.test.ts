import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { signShopperToken } from "../auth/tokens.js";
import { loadConfig } from "../config.js";
import { startServer, type RunningServer } from "../server.js";
import { createTestDatabase, type TestDatabase } from "../../test/database.js";
import { ApiClient, SESSION_SECRET, startTestServer, testEnv, type TestServer } from "../../test/server.js";

describe("rate limits", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      RATE_LIMITS: "on",
      RATE_LIMIT_SESSIONS_PER_MIN: "5",
      RATE_LIMIT_WRITES_PER_MIN: "4",
      RATE_LIMIT_READS_PER_MIN: "1000",
    });
  });
  afterAll(() => server?.stop());

  it("stop a shopper's writes with 429 RATE_LIMITED and Retry-After, without touching another shopper's budget", async () => {
    const drop = await server.api.createDrop({ totalStock: 100 });
    const greedy = await server.api.shopper("greedy");
    const patient = await server.api.shopper("patient");

    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await server.api.reserve(greedy.token, drop.id));
    expect(answers.slice(0, 4).map((a) => a.status)).toEqual([201, 200, 200, 200]);
    for (const limited of answers.slice(4)) {
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ error: "RATE_LIMITED", message: expect.any(String) });
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }

    // Same IP, different shopper: a budget of its own.
    expect((await server.api.reserve(patient.token, drop.id)).status).toBe(201);
  });
});

describe("session rate limits without a trusted proxy", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMITS: "on", RATE_LIMIT_SESSIONS_PER_MIN: "3" });
  });
  afterAll(() => server?.stop());

  it("count new sessions per client IP, and honour X-Forwarded-For only from a trusted proxy", async () => {
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      // Without TRUST_PROXY this header is a client's claim, so it must not buy a fresh budget.
      const answer = await server.api.call("POST", "/api/sessions", {
        body: { username: `ip_user_${i}_${Date.now() % 100000}` },
        headers: { "x-forwarded-for": `203.0.113.${i}` },
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429, 429]);
  });
});

describe("rate limits behind a trusted proxy", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMITS: "on", RATE_LIMIT_SESSIONS_PER_MIN: "2", TRUST_PROXY: "loopback" });
  });
  afterAll(() => server?.stop());

  it("key anonymous requests by the client address the proxy reports", async () => {
    const make = (ip: string, i: number) =>
      server.api.call("POST", "/api/sessions", { body: { username: `proxied_${i}_${Date.now() % 100000}` }, headers: { "x-forwarded-for": ip } });
    const first = [await make("198.51.100.1", 1), await make("198.51.100.1", 2), await make("198.51.100.1", 3)];
    expect(first.map((a) => a.status)).toEqual([201, 201, 429]);
    expect((await make("198.51.100.2", 4)).status).toBe(201);
  });
});

describe("session limits when a shopper token is sent along", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMITS: "on", RATE_LIMIT_SESSIONS_PER_MIN: "3" });
  });
  afterAll(() => server?.stop());

  it("still count per client IP: chaining each new token into the next request buys no budget", async () => {
    let token: string | undefined;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await server.api.call<{ token?: string }>("POST", "/api/sessions", { token, body: { username: `chain_${i}_${Date.now() % 100000}` } });
      statuses.push(answer.status);
      token = answer.body.token ?? token;
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);
  });
});

describe("rate limits across two instances on one database", () => {
  let db: TestDatabase;
  const servers: RunningServer[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      servers.push(await startServer(loadConfig(testEnv({ DATABASE_URL: db.url, RATE_LIMITS: "on", RATE_LIMIT_SESSIONS_PER_MIN: "4", RATE_LIMIT_WRITES_PER_MIN: "3" })), { skipMigrations: true }));
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await db?.drop();
  });

  it("share one budget: requests alternating between the instances are counted together", async () => {
    const [a, b] = servers.map((server) => new ApiClient(server.url)) as [ApiClient, ApiClient];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 === 0 ? a : b).startSession(`shared_${i}_${Date.now() % 100000}`)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
  });

  it("share a shopper's write budget too", async () => {
    const [a, b] = servers.map((server) => new ApiClient(server.url)) as [ApiClient, ApiClient];
    const drop = await a.createDrop();
    // The session budget went to the test above: this shopper is made the way a session would make it.
    const user = { id: randomUUID(), username: `writer_${Date.now() % 100000}` };
    await db.pool.query("INSERT INTO users (id, username, username_key) VALUES ($1, $2, $3)", [user.id, user.username, user.username.toLowerCase()]);
    const token = signShopperToken(SESSION_SECRET, user);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await (i % 2 === 0 ? a : b).reserve(token, drop.id)).status);
    expect(statuses).toEqual([201, 200, 200, 429, 429]);
  });
});
