import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, ok, startTestServer, type TestServer } from "../../test/server.js";

const ALLOWED_ORIGIN = "https://shop.example";

interface Sent {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Whether the answer came from before Express. */
  fast: boolean;
}

/**
 * The fast path answers only a plain request; the same request with its body
 * sent chunked (no Content-Length) cannot use it, so it shows what the full
 * path answers. Everything else about the two requests is the same.
 */
async function send(
  server: TestServer,
  path: string,
  options: { token?: string; body?: string; chunked?: boolean; headers?: Record<string, string> } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  let body: string | ReadableStream<Uint8Array> | undefined = options.body;
  if (options.body !== undefined && options.chunked) {
    const bytes = new TextEncoder().encode(options.body);
    body = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  }
  const before = server.fastAnswers.answered;
  const response = await fetch(server.url + path, { method: "POST", headers, body, duplex: "half" } as RequestInit);
  const text = await response.text();
  const fast = server.fastAnswers.answered > before;
  const all: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    // The date is the only header allowed to differ between two answers.
    if (name !== "date") all[name] = value;
  });
  return { status: response.status, body: JSON.parse(text) as unknown, headers: all, fast };
}

/** The same request through both paths: the first must be the fast one, the second the full one. */
async function bothPaths(server: TestServer, path: string, options: { token?: string; body?: string; headers?: Record<string, string> }) {
  const fast = await send(server, path, options);
  const full = await send(server, path, options.body === undefined ? { ...options, body: "{}" } : { ...options, chunked: true });
  expect(fast.fast, "answered before Express").toBe(true);
  expect(full.fast, "answered by Express").toBe(false);
  return { fast, full };
}

async function metric(server: TestServer, line: RegExp): Promise<number> {
  const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const text = await response.text();
  const found = text.split("\n").find((row) => line.test(row));
  return found ? Number(found.split(" ").at(-1)) : 0;
}

describe("answers from memory before Express", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGIN: ALLOWED_ORIGIN, EXPIRY_SWEEP_MS: "60000" });
  });
  afterAll(() => server?.stop());

  /** A drop whose one unit is held, and a shopper the sold-out memory refuses. */
  async function soldOutDrop() {
    const drop = await server.api.createDrop({ totalStock: 1 });
    const [holder, late] = await Promise.all([server.api.shopper("holder"), server.api.shopper("late")]);
    ok(await server.api.reserve(holder.token, drop.id), 201);
    // The first refusal is the database's, and teaches the memory.
    expect((await server.api.reserve(late.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    await expect.poll(() => server.services.soldOut.refuses(drop.id, late.user.id, 1)).toBe(true);
    return { drop, late };
  }

  it("a sold-out refusal from memory is the full path's: status, body and every header, for an allowed origin, another origin and none", async () => {
    const { drop, late } = await soldOutDrop();
    const body = JSON.stringify({ dropId: drop.id });
    const variants: Record<string, string>[] = [{ origin: ALLOWED_ORIGIN, "x-request-id": "fast-1" }, { origin: "https://elsewhere.example", "x-request-id": "fast-2" }, {}];
    for (const headers of variants) {
      const { fast, full } = await bothPaths(server, "/api/reservations", { token: late.token, body, headers });
      expect(fast.status).toBe(409);
      expect(fast.body).toEqual({ error: "OUT_OF_STOCK", message: "Not enough units are left for that quantity." });
      expect(fast.body).toEqual(full.body);
      if ("x-request-id" in headers) {
        expect(fast.headers).toEqual(full.headers);
      } else {
        // Without an id of the caller's, each answer gets a fresh one.
        expect(fast.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
        expect({ ...fast.headers, "x-request-id": "" }).toEqual({ ...full.headers, "x-request-id": "" });
      }
    }
    // A quantity and an id in capitals are the same request.
    const { fast, full } = await bothPaths(server, "/api/reservations", {
      token: late.token,
      body: JSON.stringify({ dropId: drop.id.toUpperCase(), quantity: 1 }),
      headers: { "x-request-id": "fast-3" },
    });
    expect([fast.status, fast.body, fast.headers]).toEqual([full.status, full.body, full.headers]);
  });

  it("a join to a closed line from memory is the full path's answer", async () => {
    const drop = await server.api.createDrop({ totalStock: 5, endsAt: new Date(Date.now() + 1_500).toISOString(), queue: { admitPerSecond: 5, admissionSeconds: 60 } });
    const shopper = await server.api.shopper("closed");
    await expect
      .poll(async () => (await server.api.joinQueue(shopper.token, drop.id)).body.error, { timeout: 10_000, interval: 200 })
      .toBe("QUEUE_CLOSED");
    expect(server.services.closedLines.has(drop.id)).toBe(true);
    const { fast, full } = await bothPaths(server, `/api/drops/${drop.id}/queue`, { token: shopper.token, headers: { origin: ALLOWED_ORIGIN, "x-request-id": "line-1" } });
    expect(fast.status).toBe(409);
    expect(fast.body).toEqual({ error: "QUEUE_CLOSED", message: "The line for this drop is closed: it sold out or ended." });
    expect([fast.status, fast.body, fast.headers]).toEqual([full.status, full.body, full.headers]);
  });

  it("/metrics counts the answers given from memory, by outcome and by status", async () => {
    const { drop, late } = await soldOutDrop();
    const cached = /^dropline_holds_total\{outcome="out_of_stock_cached"\}/;
    const status409 = /^dropline_http_requests_total\{method="POST",status="409"\}/;
    const [cachedBefore, statusBefore] = [await metric(server, cached), await metric(server, status409)];
    const answer = await send(server, "/api/reservations", { token: late.token, body: JSON.stringify({ dropId: drop.id }) });
    expect([answer.status, answer.fast]).toEqual([409, true]);
    expect(await metric(server, cached)).toBe(cachedBefore + 1);
    expect(await metric(server, status409)).toBe(statusBefore + 1);
  });

  it("a tampered token, another name under the same signature, or the admin token never gets an answer from memory", async () => {
    const { drop, late } = await soldOutDrop();
    const body = JSON.stringify({ dropId: drop.id });
    // The real token is verified and remembered first.
    expect((await send(server, "/api/reservations", { token: late.token, body })).fast).toBe(true);
    const last = late.token.at(-1) === "A" ? "B" : "A";
    const [, id, username, signature] = late.token.split(".");
    for (const token of [late.token.slice(0, -1) + last, `s1.${id}.${username}x.${signature}`, late.token.slice(0, -1)]) {
      const answer = await send(server, "/api/reservations", { token, body });
      expect([answer.status, answer.body, answer.fast]).toEqual([401, expect.objectContaining({ error: "UNAUTHENTICATED" }), false]);
    }
    const admin = await send(server, "/api/reservations", { token: ADMIN_TOKEN, body });
    expect([admin.status, admin.fast]).toEqual([403, false]);
  });

  it("a restock here stops the refusals at once, and a request with an Idempotency-Key or a bad body goes the full way", async () => {
    const { drop, late } = await soldOutDrop();
    const body = JSON.stringify({ dropId: drop.id });
    expect((await send(server, "/api/reservations", { token: late.token, body })).fast).toBe(true);

    const keyed = await send(server, "/api/reservations", { token: late.token, body, headers: { "idempotency-key": "k-1" } });
    expect([keyed.status, keyed.fast]).toEqual([409, false]);
    for (const bad of ["{\"dropId\": ", "[1]", " 7", JSON.stringify({ dropId: drop.id, quantity: 0 })]) {
      const fast = await send(server, "/api/reservations", { token: late.token, body: bad, headers: { "x-request-id": "bad" } });
      const full = await send(server, "/api/reservations", { token: late.token, body: bad, chunked: true, headers: { "x-request-id": "bad" } });
      expect(fast.fast).toBe(false);
      expect(fast.status).toBe(400);
      expect([fast.status, fast.body, fast.headers]).toEqual([full.status, full.body, full.headers]);
    }

    ok(await server.api.updateDrop(drop.id, { totalStock: 2 }));
    const granted = await send(server, "/api/reservations", { token: late.token, body });
    expect([granted.status, granted.fast]).toEqual([201, false]);
  });
});

describe("answers from memory with rate limits on", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMITS: "on", RATE_LIMIT_WRITES_PER_MIN: "4", EXPIRY_SWEEP_MS: "60000" });
  });
  afterAll(() => server?.stop());

  it("every sold-out refusal still counts against the shopper's writes budget, with its headers, until the 429", async () => {
    const drop = await server.api.createDrop({ totalStock: 1 });
    const [holder, late] = await Promise.all([server.api.shopper("holder"), server.api.shopper("late")]);
    ok(await server.api.reserve(holder.token, drop.id), 201);
    expect((await server.api.reserve(late.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    await expect.poll(() => server.services.soldOut.refuses(drop.id, late.user.id, 1)).toBe(true);
    const body = JSON.stringify({ dropId: drop.id });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await send(server, "/api/reservations", { token: late.token, body }));
    expect(answers.map((answer) => [answer.status, (answer.body as { error: string }).error])).toEqual([
      [409, "OUT_OF_STOCK"],
      [409, "OUT_OF_STOCK"],
      [409, "OUT_OF_STOCK"],
      [429, "RATE_LIMITED"],
    ]);
    expect(answers[0]!.headers.ratelimit).toMatch(/remaining=2/);
  });
});
