import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, ok, startTestServer, type TestServer } from "../../test/server.js";

/** Opens a raw TCP connection, writes `first`, and resolves with everything the server sends until it closes. */
function rawExchange(url: string, first: string): Promise<{ received: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname, () => socket.write(first));
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => resolve({ received, closedAfterMs: Date.now() - started }));
  });
}

describe("slow clients", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "1500" });
  });
  afterAll(() => server?.stop());

  it("are cut off when they never finish their headers", async () => {
    const { received } = await rawExchange(server.url, "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it("are cut off when their chunked body never ends", async () => {
    const { received } = await rawExchange(
      server.url,
      `POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`,
    );
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it("leave a request that arrives in time alone", async () => {
    expect(ok(await server.api.call<{ ok: boolean }>("GET", "/api/health"))).toEqual({ ok: true });
  });
});

describe("readiness", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it("asks the database at most once for a flood of /api/ready", async () => {
    const pool = server.database.pool;
    const query = pool.query.bind(pool);
    let probes = 0;
    // Counts the readiness probe's own statement on the real pool; everything else passes through.
    pool.query = ((...args: Parameters<typeof query>) => {
      if (args[0] === "SELECT 1") probes++;
      return query(...args);
    }) as typeof pool.query;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // let the start-up probe's answer age out
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 200 }, () => server.api.call("GET", "/api/ready")));
      const seconds = (performance.now() - started) / 1000;
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      // One probe per second of the flood at most (a loaded machine may stretch it past one second).
      expect(probes).toBeGreaterThanOrEqual(1);
      expect(probes).toBeLessThanOrEqual(Math.ceil(seconds));
    } finally {
      pool.query = query;
    }
  });
});

describe("limits on what needs no shopper session", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMITS: "on", RATE_LIMIT_READS_PER_MIN: "20", RATE_LIMIT_WRITES_PER_MIN: "5" });
  });
  afterAll(() => server?.stop());

  it("throttle wrong /metrics tokens per client address, while the right token still works", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await server.api.call("GET", "/metrics", { token: `wrong-token-${i}-0123456789` })).status);
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  });

  it("throttle probing of unknown routes", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await server.api.call("GET", `/api/probe-${i}`)).status);
    expect(statuses.slice(0, 20).every((status) => status === 404)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });

  it("give the admin token its own, larger write budget", async () => {
    const drop = await server.api.createDrop();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await server.api.updateDrop(drop.id, { name: `Edit ${i}` })).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const shopper = await server.api.shopper("writer");
    const writes: number[] = [];
    for (let i = 0; i < 6; i++) writes.push((await server.api.call("DELETE", `/api/reservations/${drop.id}`, { token: shopper.token })).status);
    expect(writes).toEqual([404, 404, 404, 404, 404, 429]);
  });
});

describe("the admin token check", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it("answers GET /api/admin/whoami for the admin, 403 for a shopper, 401 without a token", async () => {
    expect(ok(await server.api.call("GET", "/api/admin/whoami", { token: ADMIN_TOKEN }))).toEqual({ role: "admin" });
    const shopper = await server.api.shopper("nosy");
    expect((await server.api.call("GET", "/api/admin/whoami", { token: shopper.token })).status).toBe(403);
    expect((await server.api.call("GET", "/api/admin/whoami")).status).toBe(401);
    expect((await server.api.call("GET", "/api/admin/whoami", { token: "not-the-admin-token-at-all" })).status).toBe(401);
  });
});

describe("request bodies and headers", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGIN: "https://shop.example.com" });
  });
  afterAll(() => server?.stop());

  it.each([["[1,2]"], ["[]"], ['[{"dropId": "x"}]']])("refuse the array %s as a body in plain words", async (raw) => {
    const shopper = await server.api.shopper("body");
    const answer = await server.api.call("POST", "/api/reservations", { token: shopper.token, rawBody: raw, headers: { "content-type": "application/json" } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: "VALIDATION_ERROR",
      message: expect.stringMatching(/^The request body must be a JSON object/),
      details: [{ path: "", message: "must be a JSON object" }],
    });
  });

  it.each([['"text"'], ["42"], ["null"], ["true"]])("refuse the bare value %s as a body in plain words", async (raw) => {
    const answer = await server.api.call("POST", "/api/drops", { token: ADMIN_TOKEN, rawBody: raw, headers: { "content-type": "application/json" } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: "INVALID_JSON", message: "The body is not valid JSON." });
  });

  it("let another allowed origin read Idempotent-Replayed and X-Request-Id", async () => {
    const answer = await server.api.call("GET", "/api/health", { headers: { origin: "https://shop.example.com" } });
    const exposed = (answer.headers.get("access-control-expose-headers") ?? "").split(",").map((h) => h.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(["idempotent-replayed", "x-request-id", "retry-after"]));
  });

  it("answer reservation.dropId with the drop's canonical id, whatever casing was sent", async () => {
    const drop = await server.api.createDrop();
    const shopper = await server.api.shopper("casing");
    const hold = ok(await server.api.reserve(shopper.token, drop.id.toUpperCase()), 201).reservation;
    expect(hold.dropId).toBe(drop.id);
    const again = ok(await server.api.reserve(shopper.token, drop.id), 200).reservation;
    expect(again.id).toBe(hold.id);
  });
});
