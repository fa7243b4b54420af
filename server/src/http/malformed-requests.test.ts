import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { ADMIN_TOKEN, startTestServer, type SomeAnswer, type TestServer } from "../../test/server.js";

/** What the table's requests may refer to; filled in once the server is up. */
interface Context {
  /** A live drop (10 units, at most 2 per shopper) that every bad write below aims at. */
  dropId: string;
  shopper: string;
  /** The shopper's token with a signature that no longer matches its body. */
  tampered: string;
}

interface BadRequest {
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

interface Row {
  name: string;
  status: number;
  error: string;
  request: (ctx: Context) => BadRequest;
}

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const json = (rawBody: string) => ({ rawBody, headers: { "content-type": "application/json" } });
const newDrop = (fields: Record<string, unknown>) => ({ name: "Bad drop", price: "10.00", totalStock: 5, ...fields });
const createDrop = (fields: Record<string, unknown>) => (): BadRequest => ({ method: "POST", path: "/api/drops", token: ADMIN_TOKEN, body: newDrop(fields) });
const patchDrop = (body: unknown) => (ctx: Context): BadRequest => ({ method: "PATCH", path: `/api/drops/${ctx.dropId}`, token: ADMIN_TOKEN, body });
const reserve = (body: (ctx: Context) => unknown) => (ctx: Context): BadRequest => ({ method: "POST", path: "/api/reservations", token: ctx.shopper, body: body(ctx) });
const reserveWith = (authorization: (ctx: Context) => string) => (ctx: Context): BadRequest => ({
  method: "POST",
  path: "/api/reservations",
  headers: { authorization: authorization(ctx) },
  body: { dropId: ctx.dropId },
});

const rows: Row[] = [
  // Wrong types: numbers are JSON numbers, never strings or booleans.
  { name: "reserve with quantity as a string", status: 400, error: "VALIDATION_ERROR", request: reserve((c) => ({ dropId: c.dropId, quantity: "1" })) },
  { name: "reserve with quantity 0", status: 400, error: "VALIDATION_ERROR", request: reserve((c) => ({ dropId: c.dropId, quantity: 0 })) },
  { name: "reserve with quantity -1", status: 400, error: "VALIDATION_ERROR", request: reserve((c) => ({ dropId: c.dropId, quantity: -1 })) },
  { name: "reserve with quantity 1.5", status: 400, error: "VALIDATION_ERROR", request: reserve((c) => ({ dropId: c.dropId, quantity: 1.5 })) },
  { name: "reserve with quantity 2**53", status: 400, error: "VALIDATION_ERROR", request: reserve((c) => ({ dropId: c.dropId, quantity: 2 ** 53 })) },
  { name: "reserve with quantity 1e308", status: 400, error: "VALIDATION_ERROR", request: reserve((c) => ({ dropId: c.dropId, quantity: 1e308 })) },
  { name: "create a drop with totalStock as a string", status: 400, error: "VALIDATION_ERROR", request: createDrop({ totalStock: "10" }) },
  { name: "create a drop with price true", status: 400, error: "VALIDATION_ERROR", request: createDrop({ price: true }) },
  { name: "create a drop with a numeric name", status: 400, error: "VALIDATION_ERROR", request: createDrop({ name: 42 }) },
  // Missing fields.
  { name: "create a drop without a name", status: 400, error: "VALIDATION_ERROR", request: createDrop({ name: undefined }) },
  { name: "create a drop without a price", status: 400, error: "VALIDATION_ERROR", request: createDrop({ price: undefined }) },
  { name: "create a drop without totalStock", status: 400, error: "VALIDATION_ERROR", request: createDrop({ totalStock: undefined }) },
  { name: "reserve without a dropId", status: 400, error: "VALIDATION_ERROR", request: reserve(() => ({ quantity: 1 })) },
  { name: "purchase without a reservationId", status: 400, error: "VALIDATION_ERROR", request: (c) => ({ method: "POST", path: "/api/purchases", token: c.shopper, body: {} }) },
  { name: "start a session without a username", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "POST", path: "/api/sessions", body: {} }) },
  { name: "PATCH a drop with no body", status: 400, error: "VALIDATION_ERROR", request: (c) => ({ method: "PATCH", path: `/api/drops/${c.dropId}`, token: ADMIN_TOKEN }) },
  { name: "PATCH a drop with an empty object", status: 400, error: "VALIDATION_ERROR", request: patchDrop({}) },
  { name: "PATCH a drop with only unknown fields", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ colour: "red" }) },
  // Numbers out of range.
  { name: "create a drop with totalStock 1e12", status: 400, error: "VALIDATION_ERROR", request: createDrop({ totalStock: 1e12 }) },
  { name: "create a drop with price 1e308", status: 400, error: "VALIDATION_ERROR", request: createDrop({ price: 1e308 }) },
  { name: "create a drop with price 2**53", status: 400, error: "VALIDATION_ERROR", request: createDrop({ price: 2 ** 53 }) },
  { name: "PATCH totalStock to -1", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ totalStock: -1 }) },
  { name: "PATCH totalStock to 2.5", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ totalStock: 2.5 }) },
  { name: "PATCH totalStock as a string", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ totalStock: "10" }) },
  { name: "PATCH price with 3 decimals", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ price: "1.999" }) },
  { name: "PATCH price to 0", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ price: 0 }) },
  { name: "PATCH price to \"0.00\"", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ price: "0.00" }) },
  { name: "PATCH price to -5", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ price: -5 }) },
  { name: "PATCH price to \"abc\"", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ price: "abc" }) },
  { name: "PATCH holdSeconds to 9", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ holdSeconds: 9 }) },
  { name: "PATCH holdSeconds to 3601", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ holdSeconds: 3601 }) },
  { name: "PATCH maxPerUser to 0", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ maxPerUser: 0 }) },
  { name: "PATCH maxPerUser to 101", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ maxPerUser: 101 }) },
  // Times.
  { name: "create a drop starting \"tomorrow\"", status: 400, error: "VALIDATION_ERROR", request: createDrop({ startsAt: "tomorrow" }) },
  { name: "create a drop starting in month 13", status: 400, error: "VALIDATION_ERROR", request: createDrop({ startsAt: "2026-13-01T00:00:00Z" }) },
  { name: "create a drop starting on February 30", status: 400, error: "VALIDATION_ERROR", request: createDrop({ startsAt: "2027-02-30T00:00:00Z" }) },
  { name: "create a drop with a time without a timezone", status: 400, error: "VALIDATION_ERROR", request: createDrop({ startsAt: "2027-01-01T18:00:00" }) },
  { name: "create a drop ending when it starts", status: 400, error: "VALIDATION_ERROR", request: createDrop({ startsAt: "2027-01-01T00:00:00Z", endsAt: "2027-01-01T00:00:00Z" }) },
  { name: "create a drop ending before it starts", status: 400, error: "VALIDATION_ERROR", request: createDrop({ startsAt: "2027-01-02T00:00:00Z", endsAt: "2027-01-01T00:00:00Z" }) },
  { name: "PATCH endsAt before the drop's start", status: 400, error: "VALIDATION_ERROR", request: patchDrop({ endsAt: "2001-01-01T00:00:00Z" }) },
  // Ids: opaque strings; anything that is not one of ours matches nothing.
  { name: "GET a drop with id \"abc\"", status: 404, error: "DROP_NOT_FOUND", request: () => ({ method: "GET", path: "/api/drops/abc" }) },
  { name: "GET a drop with id \"../../etc\" (encoded)", status: 404, error: "DROP_NOT_FOUND", request: () => ({ method: "GET", path: "/api/drops/..%2F..%2Fetc" }) },
  { name: "GET a drop with a 4000-character id", status: 404, error: "DROP_NOT_FOUND", request: () => ({ method: "GET", path: `/api/drops/${"a".repeat(4000)}` }) },
  { name: "GET a drop with a unicode id", status: 404, error: "DROP_NOT_FOUND", request: () => ({ method: "GET", path: `/api/drops/${encodeURIComponent("👟ドロップ")}` }) },
  { name: "GET a drop with a broken percent-escape", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "GET", path: "/api/drops/%E0%A4%A" }) },
  { name: "DELETE a reservation with a broken percent-escape", status: 400, error: "VALIDATION_ERROR", request: (c) => ({ method: "DELETE", path: "/api/reservations/%ZZ", token: c.shopper }) },
  { name: "PATCH an unknown drop", status: 404, error: "DROP_NOT_FOUND", request: () => ({ method: "PATCH", path: `/api/drops/${UNKNOWN_ID}`, token: ADMIN_TOKEN, body: { name: "x" } }) },
  { name: "GET a reservation with id \"abc\"", status: 404, error: "RESERVATION_NOT_FOUND", request: (c) => ({ method: "GET", path: "/api/reservations/abc", token: c.shopper }) },
  { name: "DELETE an unknown reservation", status: 404, error: "RESERVATION_NOT_FOUND", request: (c) => ({ method: "DELETE", path: `/api/reservations/${UNKNOWN_ID}`, token: c.shopper }) },
  { name: "reserve with a numeric dropId", status: 400, error: "VALIDATION_ERROR", request: reserve(() => ({ dropId: 42 })) },
  { name: "reserve with a null dropId", status: 400, error: "VALIDATION_ERROR", request: reserve(() => ({ dropId: null })) },
  { name: "reserve with an empty dropId", status: 400, error: "VALIDATION_ERROR", request: reserve(() => ({ dropId: "" })) },
  { name: "reserve an unknown drop", status: 404, error: "DROP_NOT_FOUND", request: reserve(() => ({ dropId: UNKNOWN_ID })) },
  { name: "purchase with a numeric reservationId", status: 400, error: "VALIDATION_ERROR", request: (c) => ({ method: "POST", path: "/api/purchases", token: c.shopper, body: { reservationId: 7 } }) },
  { name: "purchase an unknown reservation", status: 404, error: "RESERVATION_NOT_FOUND", request: (c) => ({ method: "POST", path: "/api/purchases", token: c.shopper, body: { reservationId: UNKNOWN_ID } }) },
  { name: "start a session with a 2-letter username", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "POST", path: "/api/sessions", body: { username: "ab" } }) },
  { name: "start a session with a 33-letter username", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "POST", path: "/api/sessions", body: { username: "a".repeat(33) } }) },
  { name: "start a session with spaces in the username", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "POST", path: "/api/sessions", body: { username: "sneaker head" } }) },
  // Bodies that are not JSON objects.
  { name: "a truncated JSON body", status: 400, error: "INVALID_JSON", request: () => ({ method: "POST", path: "/api/sessions", ...json('{"a":') }) },
  { name: "a JSON body with a trailing comma", status: 400, error: "INVALID_JSON", request: () => ({ method: "POST", path: "/api/sessions", ...json('{"username": "valid_name",}') }) },
  { name: "a JSON body with single quotes", status: 400, error: "INVALID_JSON", request: () => ({ method: "POST", path: "/api/sessions", ...json("{'username': 'valid_name'}") }) },
  { name: "a JSON array body", status: 400, error: "VALIDATION_ERROR", request: (c) => ({ method: "POST", path: "/api/reservations", token: c.shopper, ...json("[]") }) },
  { name: "a JSON string body", status: 400, error: "INVALID_JSON", request: (c) => ({ method: "POST", path: "/api/reservations", token: c.shopper, ...json('"x"') }) },
  { name: "a JSON null body", status: 400, error: "INVALID_JSON", request: () => ({ method: "POST", path: "/api/sessions", ...json("null") }) },
  { name: "a JSON number body", status: 400, error: "INVALID_JSON", request: () => ({ method: "POST", path: "/api/sessions", ...json("42") }) },
  { name: "a text/plain body", status: 415, error: "UNSUPPORTED_MEDIA_TYPE", request: () => ({ method: "POST", path: "/api/sessions", rawBody: '{"username":"plain_text"}', headers: { "content-type": "text/plain" } }) },
  { name: "a form-urlencoded body", status: 415, error: "UNSUPPORTED_MEDIA_TYPE", request: (c) => ({ method: "POST", path: "/api/reservations", token: c.shopper, rawBody: `dropId=${c.dropId}`, headers: { "content-type": "application/x-www-form-urlencoded" } }) },
  { name: "a JSON body in latin1", status: 415, error: "UNSUPPORTED_MEDIA_TYPE", request: () => ({ method: "POST", path: "/api/sessions", rawBody: '{"username":"latin_one"}', headers: { "content-type": "application/json; charset=latin1" } }) },
  { name: "a body over 16 kB", status: 413, error: "PAYLOAD_TOO_LARGE", request: (c) => ({ method: "POST", path: "/api/reservations", token: c.shopper, body: { dropId: c.dropId, note: "x".repeat(17_000) } }) },
  // Prototype keys are data, never structure.
  { name: "a drop whose totalStock hides under __proto__", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "POST", path: "/api/drops", token: ADMIN_TOKEN, ...json('{"name":"Proto","price":"1.00","__proto__":{"totalStock":5,"polluted":true}}') }) },
  { name: "a hold whose dropId hides under __proto__", status: 400, error: "VALIDATION_ERROR", request: (c) => ({ method: "POST", path: "/api/reservations", token: c.shopper, ...json(`{"__proto__":{"dropId":"${c.dropId}","polluted":true}}`) }) },
  { name: "a session body of constructor.prototype", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "POST", path: "/api/sessions", ...json('{"constructor":{"prototype":{"username":"proto_user","polluted":true}}}') }) },
  // Query strings.
  { name: "list drops with ?include=everything", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "GET", path: "/api/drops?include=everything" }) },
  { name: "list drops with ?include given twice", status: 400, error: "VALIDATION_ERROR", request: () => ({ method: "GET", path: "/api/drops?include=ended&include=ended" }) },
  // Credentials.
  { name: "reserve without a token", status: 401, error: "UNAUTHENTICATED", request: (c) => ({ method: "POST", path: "/api/reservations", body: { dropId: c.dropId } }) },
  { name: "reserve with a token but no Bearer", status: 401, error: "UNAUTHENTICATED", request: reserveWith((c) => c.shopper) },
  { name: "reserve with Basic credentials", status: 401, error: "UNAUTHENTICATED", request: reserveWith(() => "Basic dXNlcjpwYXNz") },
  { name: "reserve with an empty Bearer", status: 401, error: "UNAUTHENTICATED", request: reserveWith(() => "Bearer ") },
  { name: "reserve with a garbage token", status: 401, error: "UNAUTHENTICATED", request: reserveWith(() => "Bearer not-a-token-at-all") },
  { name: "reserve with a 600-character token", status: 401, error: "UNAUTHENTICATED", request: reserveWith(() => `Bearer ${"t".repeat(600)}`) },
  { name: "reserve with a tampered shopper token", status: 401, error: "UNAUTHENTICATED", request: reserveWith((c) => `Bearer ${c.tampered}`) },
  { name: "PATCH a drop with a tampered token", status: 401, error: "UNAUTHENTICATED", request: (c) => ({ method: "PATCH", path: `/api/drops/${c.dropId}`, token: c.tampered, body: { totalStock: 0 } }) },
  { name: "PATCH a drop with a shopper token", status: 403, error: "FORBIDDEN", request: (c) => ({ method: "PATCH", path: `/api/drops/${c.dropId}`, token: c.shopper, body: { totalStock: 0 } }) },
  { name: "GET /api/me with the admin token", status: 403, error: "FORBIDDEN", request: () => ({ method: "GET", path: "/api/me", token: ADMIN_TOKEN }) },
  // Unknown routes and methods.
  { name: "GET an unknown API route", status: 404, error: "NOT_FOUND", request: () => ({ method: "GET", path: "/api/nope" }) },
  { name: "PUT /api/drops", status: 404, error: "NOT_FOUND", request: () => ({ method: "PUT", path: "/api/drops", token: ADMIN_TOKEN, body: newDrop({}) }) },
  { name: "DELETE a drop", status: 404, error: "NOT_FOUND", request: (c) => ({ method: "DELETE", path: `/api/drops/${c.dropId}`, token: ADMIN_TOKEN }) },
  { name: "POST /api/health", status: 404, error: "NOT_FOUND", request: () => ({ method: "POST", path: "/api/health", body: {} }) },
  { name: "GET a path outside /api", status: 404, error: "NOT_FOUND", request: () => ({ method: "GET", path: "/etc/passwd" }) },
];

/** Text that only turns up in a body when a stack trace or an internal error leaks. */
const LEAK = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+|Prisma|TypeError|ReferenceError|SELECT |\$queryRaw/;

describe("malformed requests", () => {
  let server: TestServer;
  let ctx: Context;
  let dropBefore: Record<string, unknown>;

  beforeAll(async () => {
    server = await startTestServer();
    const drop = await server.api.createDrop({ name: "Touched by bad requests", totalStock: 10, maxPerUser: 2 });
    const shopper = await server.api.shopper("prober");
    const [prefix, id, , mac] = shopper.token.split(".");
    ctx = { dropId: drop.id, shopper: shopper.token, tampered: `${prefix}.${id}.someone_else.${mac}` };
    dropBefore = drop;
  });
  afterAll(() => server?.stop());

  it.each(rows)("$name -> $status $error", async (row) => {
    const request = row.request(ctx);
    const response = await server.api.call<SomeAnswer>(request.method, request.path, request);

    expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
    expect(response.status).toBe(row.status);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.body).toMatchObject({ error: row.error, message: expect.any(String) });
    expect(Object.keys(response.body).sort()).toEqual(row.error === "VALIDATION_ERROR" ? ["details", "error", "message"] : expect.arrayContaining(["error", "message"]));
    if (row.error === "VALIDATION_ERROR") expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.any(String) })]));
    expect(JSON.stringify(response.body)).not.toMatch(LEAK);
  });

  describe("after every bad request", () => {
    it("the server is still healthy and its database still answers", async () => {
      expect((await server.api.call("GET", "/api/health")).body).toEqual({ ok: true });
      expect((await server.api.call("GET", "/api/ready")).body).toEqual({ ok: true });
    });

    it("the drop they aimed at is exactly as it was: no hold, no sale, no edit", async () => {
      const stock = await checkStock(server.db.pool, ctx.dropId);
      expect(stock).toEqual({ totalStock: 10, heldStock: 0, soldStock: 0, activeHoldUnits: 0, purchasedUnits: 0, completedHoldUnits: 0 });
      const view = await server.api.call("GET", `/api/drops/${ctx.dropId}`);
      expect(view.body).toEqual(dropBefore);
    });

    it("no drop, hold or user was created by them", async () => {
      const { rows: counts } = await server.db.pool.query(
        `SELECT (SELECT count(*) FROM drops)::int AS drops, (SELECT count(*) FROM reservations)::int AS holds, (SELECT count(*) FROM users)::int AS users`,
      );
      expect(counts[0]).toEqual({ drops: 1, holds: 0, users: 1 });
    });

    it("no prototype was polluted by __proto__ or constructor keys", () => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty("polluted");
    });
  });
});
