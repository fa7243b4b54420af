import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { dropListSchema, dropViewSchema, type DropList, type DropView } from "../../src/drops/drops.schemas.js";
import { queueEntrySchema } from "../../src/queue/queue.schemas.js";
import { errorStatus } from "../../src/errors.js";
import { outboxResponse } from "../../src/notifications/outbox.schemas.js";
import { compensationLogSchema, preorderSchema } from "../../src/preorders/preorders.schemas.js";
import { purchaseSchema, ticketSchema } from "../../src/purchases/purchases.schemas.js";
import { failuresResponse, timelineEventSchema } from "../../src/timeline/timeline.schemas.js";
import { reservationSchema } from "../../src/reservations/reservations.schemas.js";
import { createSessionBody, meResponse, sessionResponse, userSchema, type SessionResponse } from "../../src/sessions/sessions.schemas.js";
import { propertyRun } from "../arbitraries.js";
import { checkStock } from "../database.js";
import { ADMIN_TOKEN, errorBodySchema, ok, startTestServer, type TestServer } from "../server.js";

/*
 * Fuzzing every route of the real server with generated requests: random JSON,
 * right keys with wrong types, huge, deep and unicode values, prototype keys,
 * bodies that are not JSON, odd Content-Types and encodings, bad credentials and
 * Idempotency-Keys, and path ids that are junk. Valid tokens and ids of real
 * drops and holds are mixed in, so the authorised code paths run too (holds are
 * taken, drops edited, purchases made).
 *
 * Every answer must be a documented one: never a 5xx, always JSON, errors as
 * {error, message, details?} with a code from the closed set and its status,
 * successes in their documented shapes. Afterwards the server is alive, no
 * prototype was polluted and every drop's stock still adds up.
 *
 * Requests go out in batches of 16 at once; a failing batch is shrunk by
 * fast-check towards the one request that breaks the server, and the failure
 * names that request as sent. A replay (FC_SEED, FC_PATH) sends the same
 * request specs, though ids picked from what earlier batches created may differ.
 */

const BATCH = 16;
const BATCHES = 625; // 10,000 requests
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
/** Text that only turns up in a body when a stack trace or an internal error leaks. */
const LEAK = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+|Prisma|TypeError|ReferenceError|RangeError|SELECT |\$queryRaw/;

let server: TestServer;

/** Real tokens and ids the generated requests may refer to; grows as the fuzz creates drops, holds and shoppers. */
const ctx = {
  shoppers: [] as { token: string; id: string }[],
  /** A shopper token whose signature no longer matches its body. */
  tampered: "",
  drops: [] as string[],
  holds: [] as { id: string; owner: number }[],
  /** Purchases (any status) and ticket codes the fuzz's own payments made. */
  purchases: [] as string[],
  tickets: [] as string[],
};

// ---------------------------------------------------------------- what a request is

/** Stand-ins resolved when the request is sent, so a printed counterexample stays short. */
type Known = { $known: "drop" | "hold" | "purchase" | "ticket"; k: number };
type Huge = { $huge: number; ch: string };
type Deep = { $deep: number; container: "array" | "object" };

type Auth =
  | { kind: "none" }
  | { kind: "admin" }
  | { kind: "shopper"; i: number; scheme: string }
  | { kind: "tampered" }
  | { kind: "header"; value: string };

type Body =
  | { kind: "json"; value: unknown }
  /** Raw text; `$DROP` and `$HOLD` become real ids. */
  | { kind: "raw"; text: string };

interface RequestSpec {
  method: string;
  path: (string | Known)[];
  query?: string;
  auth: Auth;
  body?: Body;
  /** undefined: application/json when there is a body; null: no Content-Type at all. */
  contentType?: string | null;
  encoding?: { name: string; compress: boolean };
  headers: [string, string][];
}

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  description: string;
}

function resolveKnown(value: Known): string {
  if (value.$known === "drop") return ctx.drops[value.k % ctx.drops.length]!;
  if (value.$known === "purchase") return ctx.purchases.length ? ctx.purchases[value.k % ctx.purchases.length]! : UNKNOWN_ID;
  if (value.$known === "ticket") return ctx.tickets.length ? ctx.tickets[value.k % ctx.tickets.length]! : `T-${"A".repeat(26)}`;
  return ctx.holds.length ? ctx.holds[value.k % ctx.holds.length]!.id : UNKNOWN_ID;
}

const isMarker = (value: unknown, key: string): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0 && key in value && Object.keys(value)[0] === key;

/** JSON text of a generated value, with stand-ins written out (a deep one as text: no recursion here). */
function toJsonText(value: unknown): string {
  if (isMarker(value, "$known")) return JSON.stringify(resolveKnown(value as Known));
  if (isMarker(value, "$huge")) return JSON.stringify((value as Huge).ch.repeat((value as Huge).$huge));
  if (isMarker(value, "$deep")) {
    const { $deep: depth, container } = value as Deep;
    return container === "array" ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  }
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function authorization(auth: Auth): string | undefined {
  switch (auth.kind) {
    case "none":
      return undefined;
    case "admin":
      return `Bearer ${ADMIN_TOKEN}`;
    case "shopper":
      return `${auth.scheme}${ctx.shoppers[auth.i % ctx.shoppers.length]!.token}`;
    case "tampered":
      return `Bearer ${ctx.tampered}`;
    case "header":
      return auth.value;
  }
}

function resolve(spec: RequestSpec): Sent {
  const path = "/" + spec.path.map((part) => (typeof part === "string" ? part : encodeURIComponent(resolveKnown(part)))).join("/");
  const url = server.url + path + (spec.query !== undefined ? `?${spec.query}` : "");
  const headers: Record<string, string> = {};
  const auth = authorization(spec.auth);
  if (auth !== undefined) headers.authorization = auth;
  for (const [name, value] of spec.headers) headers[name] = value;
  let body: Uint8Array | undefined;
  let text: string | undefined;
  if (spec.body && spec.method !== "GET" && spec.method !== "HEAD") {
    text = spec.body.kind === "json" ? toJsonText(spec.body.value) : spec.body.text.replaceAll("$DROP", resolveKnown({ $known: "drop", k: 0 })).replaceAll("$HOLD", resolveKnown({ $known: "hold", k: 0 }));
    body = Buffer.from(text, "utf8");
    if (spec.contentType === undefined) headers["content-type"] = "application/json";
    else if (spec.contentType !== null) headers["content-type"] = spec.contentType;
    if (spec.encoding) {
      headers["content-encoding"] = spec.encoding.name;
      if (spec.encoding.compress) body = gzipSync(body);
    }
  }
  const shown = text === undefined ? "" : ` body(${text.length} chars)=${JSON.stringify(text.length > 300 ? text.slice(0, 300) + "..." : text)}`;
  return { method: spec.method, url, headers, body, description: `${spec.method} ${url.slice(server.url.length, server.url.length + 300)} headers=${JSON.stringify(headers).slice(0, 600)}${shown}` };
}

// ---------------------------------------------------------------- generators

/** `arb` once in `1 + odds` times, otherwise left out. */
const rarely = <T>(arb: fc.Arbitrary<T>, odds: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 1, arbitrary: arb }, { weight: odds, arbitrary: fc.constant(undefined) });
/** Visible ASCII and spaces: what any header may carry. */
const ascii = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
/** What a header may carry at all (visible Latin-1, spaces, tabs): anything else the client refuses to send. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 60 });

const specialStrings = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "nul\u0000in the middle",
  "\ud800",
  "lone \udfff surrogate",
  "👟ドロップ",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ ñ",
  "\u202eevil\u202c",
  "<script>alert(1)</script>",
  "'; DROP TABLE drops; --",
  "%00",
  "../../etc/passwd",
  "NaN",
  "Infinity",
  "1e309",
  "0x10",
  "  12  ",
  "null",
  "true",
  "2026-13-01T00:00:00Z",
  "2027-02-30T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "0001-01-01T00:00:00Z",
  "2027-01-01T00:00:00",
  "__proto__",
  "constructor",
);
const specialNumbers = fc.constantFrom(0, -0, -1, 1, 1.5, 1e-7, 9, 10, 100, 101, 3600, 3601, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, Number.MAX_VALUE, Number.MIN_VALUE, 10_000_000, 10_000_001, 9999999999.99, 99999999999);
const huge: fc.Arbitrary<Huge> = fc.record({ $huge: fc.integer({ min: 1_000, max: 20_000 }), ch: fc.constantFrom("x", "é", "👟", "\u0000") });
const deep: fc.Arbitrary<Deep> = fc.record({ $deep: fc.integer({ min: 16, max: 7_900 }), container: fc.constantFrom("array" as const, "object" as const) });
/** A value of the wrong type or range, for any field. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: specialStrings },
  { weight: 3, arbitrary: specialNumbers },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.constant(null) },
);
const sometimesJunk = <T>(valid: fc.Arbitrary<T>, weight = 3) => fc.oneof({ weight, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: junk });

const knownDrop: fc.Arbitrary<Known> = fc.nat({ max: 1_000 }).map((k) => ({ $known: "drop" as const, k }));
const knownHold: fc.Arbitrary<Known> = fc.nat({ max: 1_000 }).map((k) => ({ $known: "hold" as const, k }));
const priceValue = fc.oneof(
  fc.integer({ min: 1, max: 99_999_99 }).map((c) => (c / 100).toFixed(2)),
  fc.integer({ min: 1, max: 99_999_99 }).map((c) => c / 100),
  fc.constantFrom("0.01", "9999999999.99", 9999999999.99, "5000000000.00", "10000000000", "0", "0.00", "-1", "1.999", "1e3", " 5 ", "05.50", ".5", "5."),
);
const instantValue = fc.oneof(
  fc.date({ min: new Date("1990-01-01T00:00:00Z"), max: new Date("3100-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: -48, max: 48 }).map((hours) => new Date(Date.now() + hours * 3_600_000).toISOString()),
);
const dropFields = {
  name: sometimesJunk(fc.oneof(fc.string({ minLength: 1, maxLength: 120 }), fc.string({ unit: "binary", minLength: 1, maxLength: 130 }))),
  price: sometimesJunk(priceValue),
  totalStock: sometimesJunk(fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.constantFrom(0, 10_000_000, 10_000_001, -1, 1.5))),
  startsAt: sometimesJunk(instantValue),
  endsAt: sometimesJunk(fc.oneof(instantValue, fc.constant(null))),
  holdSeconds: sometimesJunk(fc.integer({ min: 5, max: 4_000 })),
  maxPerUser: sometimesJunk(fc.integer({ min: 0, max: 110 })),
  queue: sometimesJunk(
    fc.oneof(
      fc.constant(null),
      fc.record(
        { admitPerSecond: sometimesJunk(fc.integer({ min: 0, max: 20_000 })), admissionSeconds: sometimesJunk(fc.integer({ min: 0, max: 4_000 })), opensAt: sometimesJunk(instantValue) },
        { requiredKeys: [] },
      ),
    ),
  ),
  kind: sometimesJunk(fc.constantFrom("drop", "preorder")),
  releaseAt: sometimesJunk(instantValue),
  fulfillGraceSeconds: sometimesJunk(fc.integer({ min: 0, max: 40_000_000 })),
  pickupReminderSeconds: sometimesJunk(fc.integer({ min: 0, max: 700_000 })),
};
const extraKeys = fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "prototype", "polluted", "isAdmin")), junk, { maxKeys: 3 });
const withExtras = (fields: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof({ weight: 4, arbitrary: fields }, { weight: 1, arbitrary: fc.tuple(fields, extraKeys).map(([f, extra]) => ({ ...extra, ...f })) });

/** Bodies that try to smuggle fields or pollute prototypes through JSON's own syntax. */
const protoBodies = fc.constantFrom(
  '{"__proto__":{"polluted":"yes","isAdmin":true}}',
  '{"__proto__":{"dropId":"$DROP","quantity":2,"polluted":"yes"}}',
  '{"dropId":"$DROP","__proto__":{"quantity":100,"polluted":"yes"}}',
  '{"reservationId":"$HOLD","__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes","totalStock":5}}}',
  '{"name":"Proto","price":"1.00","totalStock":1,"__proto__":{"maxPerUser":100,"polluted":"yes"}}',
  '{"username":"proto_user","__proto__":{"polluted":"yes"}}',
  '{"prototype":{"polluted":"yes"},"totalStock":3}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '{"__proto__":null}',
  '{"a":1,"a":2,"dropId":"$DROP","dropId":"x"}',
);
/** Text that is not JSON, or only nearly. */
const notJson = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.constantFrom('{"a":', '{"username": "x",}', "{'username': 'x'}", "null", "42", '"x"', "true", "[]", "\ufeff{}", "{}garbage", "NaN", '{"totalStock": 1e309}', '{"quantity": -0}', "{\"x\":\"\\ud800\"}", "\u0000", "<xml/>", "dropId=abc&quantity=1"),
);

function bodyFor(fields: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Body | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: withExtras(fields).map((value): Body => ({ kind: "json", value })) },
    { weight: 2, arbitrary: junk.map((value): Body => ({ kind: "json", value })) },
    { weight: 1, arbitrary: protoBodies.map((text): Body => ({ kind: "raw", text })) },
    { weight: 1, arbitrary: notJson.map((text): Body => ({ kind: "raw", text })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const pathId = fc.oneof(
  { weight: 3, arbitrary: fc.uuid() },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 6_000 }).map((n) => "a".repeat(n)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("%", "%Z", "%ZZ", "%E0%A4%A", "%00", "%2e%2e", "..%2F..%2Fetc", "%ff", "%C0%AF", "%F0%9F%92%A5", "null", "undefined", "0", "-1", "1e3", "'%20OR%201=1--", "%7B%7D", "__proto__", "constructor", "prototype", UNKNOWN_ID, UNKNOWN_ID.toUpperCase(), ` ${UNKNOWN_ID}`.replace(" ", "%20")),
  },
);
const dropId = fc.oneof({ weight: 4, arbitrary: knownDrop as fc.Arbitrary<string | Known> }, { weight: 2, arbitrary: pathId });
const holdId = fc.oneof({ weight: 4, arbitrary: knownHold as fc.Arbitrary<string | Known> }, { weight: 2, arbitrary: pathId });
const purchaseId = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 1_000 }).map((k): Known => ({ $known: "purchase", k })) as fc.Arbitrary<string | Known> }, { weight: 2, arbitrary: pathId });
const ticketCode = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 1_000 }).map((k): Known => ({ $known: "ticket", k })) as fc.Arbitrary<string | Known> }, { weight: 2, arbitrary: pathId });
/** Payment methods that answer at once (sim_slow's 8 s and sim_down's retries would only slow the fuzz), and junk. */
const payment = fc.oneof(
  { weight: 4, arbitrary: fc.record({ method: fc.constantFrom("sim_ok", "sim_declined", "sim_insufficient_funds", "sim_flaky") }) as fc.Arbitrary<unknown> },
  { weight: 1, arbitrary: fc.record({ method: junk }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: junk },
);

const auth = (favour: "shopper" | "admin" | "any"): fc.Arbitrary<Auth> =>
  fc.oneof(
    { weight: favour === "shopper" ? 8 : 2, arbitrary: fc.record({ kind: fc.constant("shopper" as const), i: fc.nat({ max: 20 }), scheme: fc.oneof({ weight: 12, arbitrary: fc.constant("Bearer ") }, { weight: 1, arbitrary: fc.constantFrom("bearer ", "BEARER ", "Bearer  ", "", "Basic ", "Token ") }) }) },
    { weight: favour === "admin" ? 8 : 2, arbitrary: fc.constant({ kind: "admin" as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: "none" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "tampered" as const }) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          headerValue,
          headerValue.map((v) => `Bearer ${v}`),
          ascii(600).map((v) => `Bearer ${v}`),
          fc.constantFrom("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", `Bearer ${"t".repeat(600)}`, `Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.toUpperCase()}`, "Bearer s1.x.y.z", "Bearer s1...", `Bearer ${UNKNOWN_ID}`),
        )
        .map((value) => ({ kind: "header" as const, value })),
    },
  );

const contentTypes = fc.constantFrom(
  "application/json; charset=utf-8",
  "application/json;charset=UTF-8",
  'application/json; charset="utf-8"',
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "application/json; charset=bogus",
  "Application/JSON",
  "application/vnd.api+json",
  "application/merge-patch+json",
  "text/json",
  "text/plain",
  "text/html",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----x",
  "application/octet-stream",
  "",
  "*/*",
  "application/",
  "garbage",
  "application/json, text/plain",
);
const extraHeaders: fc.Arbitrary<[string, string][]> = fc.array(
  fc.oneof(
    fc.tuple(fc.constant("idempotency-key"), fc.oneof(fc.uuid(), ascii(300), headerValue, fc.constantFrom("k".repeat(255), "k".repeat(256), "a b", Buffer.from("ключ", "utf8").toString("latin1")))),
    fc.tuple(fc.constant("x-request-id"), headerValue),
    fc.tuple(fc.constant("x-forwarded-for"), fc.oneof(headerValue, fc.constant("1.2.3.4, 5.6.7.8"))),
    fc.tuple(fc.constant("origin"), fc.oneof(headerValue, fc.constant("https://evil.example"))),
    fc.tuple(fc.constant("accept"), fc.oneof(headerValue, fc.constantFrom("text/html", "application/xml", "*/*"))),
    fc.tuple(fc.constant("accept-encoding"), fc.constantFrom("gzip", "br", "identity", "*", "x-unknown")),
    fc.tuple(fc.constant("if-none-match"), headerValue),
  ),
  { maxLength: 3 },
);
/** Idempotency-Key on the two routes that take it, most often a plausible one. */
const idempotencyKey: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
  { weight: 3, arbitrary: fc.uuid().map((key): [string, string][] => [["idempotency-key", key]]) },
  { weight: 1, arbitrary: fc.constantFrom("fixed-key-1", "fixed-key-2").map((key): [string, string][] => [["idempotency-key", key]]) },
);
const encoding = rarely(fc.record({ name: fc.constantFrom("gzip", "deflate", "br", "identity", "GZIP", "x-custom", "gzip, deflate"), compress: fc.boolean() }), 11);
const otherMethod = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND", "PURGE", "SEARCH");

interface RouteShape {
  method: string;
  path: fc.Arbitrary<(string | Known)[]>;
  query?: fc.Arbitrary<string | undefined>;
  auth: "shopper" | "admin" | "any";
  body?: fc.Arbitrary<Body | undefined>;
  keyed?: boolean;
}

const route = (shape: RouteShape): fc.Arbitrary<RequestSpec> =>
  fc
    .record({
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(shape.method) }, { weight: 1, arbitrary: otherMethod }),
      path: shape.path,
      query: shape.query ?? rarely(fc.constantFrom("a=1", "include=ended", "%", "x=%ZZ", "__proto__[polluted]=yes"), 14),
      auth: auth(shape.auth),
      body: shape.body ?? rarely(junk.map((value): Body => ({ kind: "json", value })), 9),
      contentType: rarely(fc.oneof(contentTypes, fc.constant(null)), 5),
      encoding,
      headers: fc.tuple(shape.keyed ? idempotencyKey : fc.constant([]), extraHeaders).map(([a, b]) => [...a, ...b]),
    })
    .map((spec): RequestSpec => {
      const out: RequestSpec = { method: spec.method, path: spec.path, auth: spec.auth, headers: spec.headers };
      if (spec.query !== undefined) out.query = spec.query;
      if (spec.body !== undefined) out.body = spec.body;
      if (spec.contentType !== undefined) out.contentType = spec.contentType;
      if (spec.encoding !== undefined) out.encoding = spec.encoding;
      return out;
    });

const fixed = (...parts: string[]) => fc.constant(parts);
const withId = (base: string[], id: fc.Arbitrary<string | Known>) => id.map((value) => [...base, value]);

const request: fc.Arbitrary<RequestSpec> = fc.oneof(
  { weight: 1, arbitrary: route({ method: "GET", path: fc.constantFrom(["api", "health"], ["api", "ready"]), auth: "any" }) },
  {
    weight: 3,
    arbitrary: route({
      method: "POST",
      path: fixed("api", "sessions"),
      auth: "any",
      body: bodyFor(
        fc.record(
          {
            username: sometimesJunk(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_]{3,32}$/), fc.string({ maxLength: 40 }))),
            email: sometimesJunk(fc.oneof(fc.emailAddress(), fc.constant(null))),
            phone: sometimesJunk(fc.oneof(fc.constantFrom("+4915112345678", "+12025550123", "0151"), fc.constant(null))),
          },
          { requiredKeys: [] },
        ),
      ),
    }),
  },
  { weight: 2, arbitrary: route({ method: "GET", path: fixed("api", "me"), auth: "shopper" }) },
  {
    weight: 2,
    arbitrary: route({
      method: "GET",
      path: fixed("api", "drops"),
      auth: "shopper",
      query: rarely(fc.oneof(fc.constantFrom("include=ended", "include=everything", "include=ended&include=ended", "include[]=ended", "include=", "include=ENDED", "include=%ZZ"), ascii(40).map(encodeURIComponent).map((v) => `include=${v}`)), 1),
    }),
  },
  { weight: 3, arbitrary: route({ method: "GET", path: withId(["api", "drops"], dropId), auth: "shopper" }) },
  { weight: 4, arbitrary: route({ method: "POST", path: fixed("api", "drops"), auth: "admin", body: bodyFor(fc.oneof(fc.record(dropFields, { requiredKeys: ["name", "price", "totalStock"] }), fc.record(dropFields, { requiredKeys: [] }))) }) },
  { weight: 4, arbitrary: route({ method: "PATCH", path: withId(["api", "drops"], dropId), auth: "admin", body: bodyFor(fc.record(dropFields, { requiredKeys: [] })) }) },
  {
    weight: 8,
    arbitrary: route({
      method: "POST",
      path: fixed("api", "reservations"),
      auth: "shopper",
      keyed: true,
      body: bodyFor(fc.record({ dropId: sometimesJunk(knownDrop, 6), quantity: sometimesJunk(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 100 }))) }, { requiredKeys: ["dropId"] })),
    }),
  },
  { weight: 3, arbitrary: route({ method: "POST", path: dropId.map((id) => ["api", "drops", id, "queue"]), auth: "shopper" }) },
  { weight: 2, arbitrary: route({ method: "GET", path: dropId.map((id) => ["api", "drops", id, "queue", "me"]), auth: "shopper" }) },
  { weight: 1, arbitrary: route({ method: "DELETE", path: dropId.map((id) => ["api", "drops", id, "queue", "me"]), auth: "shopper" }) },
  { weight: 3, arbitrary: route({ method: "GET", path: withId(["api", "reservations"], holdId), auth: "shopper" }) },
  { weight: 3, arbitrary: route({ method: "DELETE", path: withId(["api", "reservations"], holdId), auth: "shopper" }) },
  {
    weight: 6,
    arbitrary: route({
      method: "POST",
      path: fixed("api", "purchases"),
      auth: "shopper",
      keyed: true,
      body: bodyFor(fc.record({ reservationId: sometimesJunk(knownHold, 6), payment }, { requiredKeys: ["reservationId"] })),
    }),
  },
  { weight: 2, arbitrary: route({ method: "GET", path: withId(["api", "purchases"], purchaseId), auth: "shopper" }) },
  { weight: 2, arbitrary: route({ method: "GET", path: holdId.map((id) => ["api", "reservations", id, "timeline"]), auth: "shopper" }) },
  { weight: 1, arbitrary: route({ method: "GET", path: holdId.map((id) => ["api", "admin", "reservations", id, "timeline"]), auth: "admin" }) },
  {
    weight: 1,
    arbitrary: route({
      method: "GET",
      path: fixed("api", "admin", "failures"),
      auth: "admin",
      query: rarely(fc.oneof(fc.integer({ min: -5, max: 700_000 }).map((n) => `sinceSeconds=${n}`), fc.constantFrom("sinceSeconds=abc", "sinceSeconds=1e3", "sinceSeconds=", "sinceSeconds=1&sinceSeconds=2")), 1),
    }),
  },
  { weight: 2, arbitrary: route({ method: "GET", path: ticketCode.map((code) => ["api", "tickets", code, "qr.svg"]), auth: "shopper" }) },
  { weight: 1, arbitrary: route({ method: "POST", path: ticketCode.map((code) => ["api", "admin", "tickets", code, "check-in"]), auth: "admin" }) },
  {
    weight: 2,
    arbitrary: route({
      method: "PATCH",
      path: fixed("api", "me"),
      auth: "shopper",
      body: bodyFor(fc.record({ email: sometimesJunk(fc.oneof(fc.emailAddress(), fc.constant(null))), phone: sometimesJunk(fc.oneof(fc.constantFrom("+4915112345678", "+12025550123", "0151"), fc.constant(null))) }, { requiredKeys: [] })),
    }),
  },
  {
    weight: 2,
    arbitrary: route({
      method: "POST",
      path: fc.constantFrom(["api", "me", "email", "verify"], ["api", "me", "phone", "verify"]),
      auth: "shopper",
      body: bodyFor(fc.record({ code: sometimesJunk(fc.oneof(fc.stringMatching(/^[0-9]{6}$/), fc.constantFrom(" 123456 ", "12345", "1234567", "１２３４５６"))) }, { requiredKeys: [] })),
    }),
  },
  {
    weight: 2,
    arbitrary: route({
      method: "POST",
      path: fixed("api", "preorders"),
      auth: "shopper",
      body: bodyFor(fc.record({ dropId: sometimesJunk(knownDrop, 6), quantity: sometimesJunk(fc.integer({ min: 0, max: 4 })), payment }, { requiredKeys: ["dropId"] })),
    }),
  },
  { weight: 1, arbitrary: route({ method: "GET", path: withId(["api", "preorders"], purchaseId), auth: "shopper" }) },
  { weight: 1, arbitrary: route({ method: "POST", path: purchaseId.map((id) => ["api", "preorders", id, "cancel"]), auth: "any" }) },
  { weight: 1, arbitrary: route({ method: "GET", path: purchaseId.map((id) => ["api", "preorders", id, "compensation-log"]), auth: "any" }) },
  {
    weight: 1,
    arbitrary: route({
      method: "POST",
      path: fc.tuple(purchaseId, fc.constantFrom("start-fulfillment", "picked-up", "delivered")).map(([id, step]) => ["api", "admin", "preorders", id, step]),
      auth: "admin",
    }),
  },
  { weight: 1, arbitrary: route({ method: "GET", path: fixed("api", "admin", "preorders"), auth: "admin", query: rarely(fc.constantFrom("status=fulfilling", "status=bogus", "dropId=x"), 1) }) },
  { weight: 1, arbitrary: route({ method: "POST", path: dropId.map((id) => ["api", "admin", "drops", id, "preorders", "start-fulfillment"]), auth: "admin" }) },
  {
    weight: 1,
    arbitrary: route({ method: "GET", path: fixed("api", "admin", "outbox"), auth: "admin", query: rarely(fc.constantFrom("status=pending", "status=sent", "status=failed", "status=bogus", "status="), 1) }),
  },
  { weight: 1, arbitrary: route({ method: "GET", path: fixed("api", "admin", "audit"), auth: "admin" }) },
  {
    weight: 3,
    arbitrary: route({
      method: "GET",
      path: fc.oneof(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map((s) => ["api", encodeURIComponent(s)]),
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map((s) => ["x", encodeURIComponent(s)]),
        dropId.map((id) => ["api", "drops", id, "extra"]),
        fc.constantFrom<(string | Known)[]>([""], ["api"], ["api", ""], ["api", "admin"], ["api", "admin", "audit", "x"], ["api", "purchases"], ["api", "reservations"], ["metrics"], ["index.html"], ["etc", "passwd"], ["api", "drops", "..", "me"], ["api", "%2e%2e", "me"], ["API", "drops"]),
      ),
      auth: "any",
    }),
  },
);

// ---------------------------------------------------------------- what every answer must look like

/** The reservation and purchase routes wrap the server's schemas in one key. */
const reservationAnswer = z.object({ reservation: reservationSchema });
const purchaseAnswer = z.object({ purchase: purchaseSchema });
const timelineAnswer = z.object({ events: z.array(timelineEventSchema) });
const checkInAnswer = z.object({ ticket: ticketSchema.extend({ usedAt: z.string() }) });

/**
 * The body is exactly what `schema` describes: it parses, and parsing (which
 * drops keys a schema does not name) leaves it whole, so nothing undocumented
 * rides along.
 */
function expectSchema<S extends z.ZodType>(schema: S, body: unknown, why: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  expect(parsed.success ? [] : parsed.error.issues, `documented shape: ${why}`).toEqual([]);
  expect(parsed.data, `no undocumented keys: ${why}`).toEqual(body);
  expectFormats(body, why);
  return parsed.data as z.infer<S>;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MONEY = /^\d+\.\d{2}$/;

/** What the schemas leave as plain strings but API.md pins down: instants (`...At`, `serverTime`) in ISO-8601 UTC, money with two decimals. */
function expectFormats(value: unknown, why: string, key = ""): void {
  if (Array.isArray(value)) return value.forEach((item) => expectFormats(item, why));
  if (typeof value === "object" && value !== null) return Object.entries(value).forEach(([k, v]) => expectFormats(v, why, k));
  if (typeof value !== "string") return;
  if (/At$|^serverTime$/.test(key)) expect(value, `${key} is an ISO instant: ${why}`).toMatch(ISO_INSTANT);
  if (key === "price" || key === "amountPaid") expect(value, `${key} is money: ${why}`).toMatch(MONEY);
}

/** Stock adds up in every view of a drop, whatever else the schema allows. */
function expectStockAddsUp(view: DropView, why: string) {
  expect(view.availableStock + view.heldStock + view.soldStock, why).toBe(view.totalStock);
  expect(Math.min(view.availableStock, view.heldStock, view.soldStock), why).toBeGreaterThanOrEqual(0);
}

/**
 * The route Express matches a path to: regardless of case and of one trailing slash, as most
 * servers do (/API/drops/ is /api/drops; a path id of "." arrives as /api/drops/).
 */
const routeOf = (pathname: string) => pathname.toLowerCase().replace(/(.)\/$/, "$1");

function expectSuccessShape(method: string, pathname: string, status: number, body: unknown, why: string) {
  const is = (m: string, pattern: RegExp) => method === m && pattern.test(routeOf(pathname));
  if (is("GET", /^\/api\/(health|ready)$/)) return expect(body, why).toEqual({ ok: true });
  if (is("POST", /^\/api\/sessions$/)) {
    expect(status, why).toBe(201);
    const session = expectSchema(sessionResponse, body, why);
    return expect(createSessionBody.safeParse({ username: session.user.username }).success, `the name granted is a valid name: ${why}`).toBe(true);
  }
  if (is("GET", /^\/api\/me$/)) return expectSchema(meResponse, body, why);
  if (is("GET", /^\/api\/drops$/)) {
    expectSchema(dropListSchema, body, why);
    return (body as DropList).drops.forEach((view) => expectStockAddsUp(view, why));
  }
  if (is("GET", /^\/api\/drops\/[^/]+$/) || is("PATCH", /^\/api\/drops\/[^/]+$/) || is("POST", /^\/api\/drops$/)) {
    if (method === "POST") expect(status, why).toBe(201);
    expectSchema(dropViewSchema, body, why);
    return expectStockAddsUp(body as DropView, why);
  }
  if (is("POST", /^\/api\/reservations$/) || is("GET", /^\/api\/reservations\/[^/]+$/) || is("DELETE", /^\/api\/reservations\/[^/]+$/)) {
    return expectSchema(reservationAnswer, body, why);
  }
  if (is("POST", /^\/api\/purchases$/) || is("GET", /^\/api\/purchases\/[^/]+$/)) return expectSchema(purchaseAnswer, body, why);
  if (is("GET", /^\/api\/reservations\/[^/]+\/timeline$/) || is("GET", /^\/api\/admin\/reservations\/[^/]+\/timeline$/)) return expectSchema(timelineAnswer, body, why);
  if (is("GET", /^\/api\/admin\/failures$/)) return expectSchema(failuresResponse, body, why);
  if (is("POST", /^\/api\/admin\/tickets\/[^/]+\/check-in$/)) return expectSchema(checkInAnswer, body, why);
  if (is("PATCH", /^\/api\/me$/) || is("POST", /^\/api\/me\/(email|phone)\/verify$/)) return expectSchema(z.object({ user: userSchema }), body, why);
  if (is("GET", /^\/api\/admin\/outbox$/)) return expectSchema(outboxResponse, body, why);
  if (is("POST", /^\/api\/preorders$/) || is("GET", /^\/api\/preorders\/[^/]+$/) || is("POST", /^\/api\/preorders\/[^/]+\/cancel$/) || is("POST", /^\/api\/admin\/preorders\/[^/]+\/[a-z-]+$/)) {
    return expectSchema(z.object({ preorder: preorderSchema }), body, why);
  }
  if (is("GET", /^\/api\/preorders\/[^/]+\/compensation-log$/)) return expectSchema(compensationLogSchema, body, why);
  if (is("GET", /^\/api\/admin\/preorders$/)) return expectSchema(z.object({ preorders: z.array(preorderSchema) }), body, why);
  if (is("POST", /^\/api\/admin\/drops\/[^/]+\/preorders\/start-fulfillment$/)) return expectSchema(z.object({ started: z.number().int() }), body, why);
  if (is("POST", /^\/api\/drops\/[^/]+\/queue$/) || is("GET", /^\/api\/drops\/[^/]+\/queue\/me$/) || is("DELETE", /^\/api\/drops\/[^/]+\/queue\/me$/)) {
    return expectSchema(queueEntrySchema, body, why);
  }
  if (is("GET", /^\/api\/admin\/audit$/)) {
    // The audit report has a TypeScript interface and no schema: its keys, then their formats.
    expect(body, why).toEqual({ ok: expect.any(Boolean), checkedAt: expect.any(String), dropsChecked: expect.any(Number), lapsedUnitsAwaitingSweep: expect.any(Number), problems: expect.any(Array) });
    return expectFormats(body, why);
  }
  throw new Error(`${status} for a request no route documents: ${why}`);
}

const statuses = new Map<string, number>();
let sent = 0;

async function sendAndCheck(spec: RequestSpec): Promise<void> {
  const request = resolve(spec);
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, redirect: "manual" });
  const text = await response.text();
  sent++;
  const why = `${request.description}\n  -> ${response.status} ${response.headers.get("content-type")} ${text.slice(0, 500)}`;

  expect(response.status, `no 5xx: ${why}`).toBeLessThan(500);
  if (request.method === "HEAD") {
    statuses.set(`${response.status} (HEAD)`, (statuses.get(`${response.status} (HEAD)`) ?? 0) + 1);
    return;
  }
  const pathname = new URL(request.url).pathname;
  if (pathname === "/metrics" && response.status === 200) return; // Prometheus text, for the admin token only.
  if (request.method === "GET" && /^\/api\/tickets\/[^/]+\/qr\.svg$/i.test(pathname) && response.status === 200) {
    // The ticket's QR code: an SVG image for its owner, the one non-JSON answer of the API.
    expect(response.headers.get("content-type"), why).toMatch(/^image\/svg\+xml/);
    return expect(text, why).toMatch(/^<svg /);
  }
  if (request.method === "OPTIONS" && response.status < 300) {
    // HTTP's own answer to "which methods does this path take" (RFC 9110), not an API response.
    expect(response.headers.get("allow"), `OPTIONS lists the methods: ${why}`).toMatch(/^[A-Z]+(, ?[A-Z]+)*$/);
    return;
  }
  expect(response.headers.get("content-type"), `JSON answer: ${why}`).toMatch(/^application\/json/);
  let body: unknown;
  expect(() => (body = JSON.parse(text)), `JSON body: ${why}`).not.toThrow();
  expect(text, `no leak: ${why}`).not.toMatch(LEAK);

  if (response.status >= 400) {
    // {error, message, details?}: a code from the closed set, a message with words in it.
    const error = expectSchema(errorBodySchema, body, why);
    if ("details" in error) expect(error.details, `details, when sent, say something: ${why}`).toEqual(expect.anything());
    expect(errorStatus[error.error], `the code's own status: ${why}`).toBe(response.status);
    if (error.error === "VALIDATION_ERROR") expect(error.details, `VALIDATION_ERROR details: ${why}`).toEqual(expect.arrayContaining([{ path: expect.any(String), message: expect.any(String) }]));
    if (response.status === 429) expect(response.headers.get("retry-after"), why).toMatch(/^\d+$/);
    statuses.set(`${response.status} ${error.error}`, (statuses.get(`${response.status} ${error.error}`) ?? 0) + 1);
    return;
  }
  expectSuccessShape(request.method, pathname, response.status, body, why);
  statuses.set(`${response.status} ${request.method} ${pathname.replace(/^(\/api\/\w+)\/.+$/, "$1/:id")}`, (statuses.get(`${response.status} ${request.method} ${pathname.replace(/^(\/api\/\w+)\/.+$/, "$1/:id")}`) ?? 0) + 1);

  // Whatever the fuzz creates becomes something later requests can aim at (each body has passed its route's schema above).
  const route = routeOf(pathname);
  if (request.method === "POST" && route === "/api/drops") ctx.drops.push((body as DropView).id);
  if (request.method === "POST" && route === "/api/reservations" && spec.auth.kind === "shopper") {
    const owner = spec.auth.i % ctx.shoppers.length;
    const { reservation } = body as z.infer<typeof reservationAnswer>;
    if (!ctx.holds.some((h) => h.id === reservation.id)) ctx.holds.push({ id: reservation.id, owner });
  }
  if (request.method === "POST" && route === "/api/preorders") ctx.purchases.push((body as { preorder: { id: string } }).preorder.id);
  if (request.method === "POST" && route === "/api/purchases") {
    const { purchase } = body as z.infer<typeof purchaseAnswer>;
    if (!ctx.purchases.includes(purchase.id)) ctx.purchases.push(purchase.id);
    for (const ticket of purchase.tickets) if (!ctx.tickets.includes(ticket.code)) ctx.tickets.push(ticket.code);
  }
  if (request.method === "POST" && route === "/api/sessions" && ctx.shoppers.length < 12) {
    const session = body as SessionResponse;
    ctx.shoppers.push({ token: session.token, id: session.user.id });
  }
}

// ---------------------------------------------------------------- the test

const prototypes = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype };
const prototypeKeys = () => Object.fromEntries(Object.entries(prototypes).map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));

describe("fuzzing every route", () => {
  let keysBefore: ReturnType<typeof prototypeKeys>;

  beforeAll(async () => {
    keysBefore = prototypeKeys();
    server = await startTestServer();
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const drops = await Promise.all([
      server.api.createDrop({ name: "Fuzz live", totalStock: 500, maxPerUser: 5, startsAt: hourAgo }),
      server.api.createDrop({ name: "Fuzz at the highest price", price: "9999999999.99", totalStock: 1_000, maxPerUser: 100, startsAt: hourAgo }),
      server.api.createDrop({ name: "Fuzz sold out", totalStock: 0, startsAt: hourAgo }),
      server.api.createDrop({ name: "Fuzz scarce", totalStock: 2, maxPerUser: 2, holdSeconds: 10, startsAt: hourAgo }),
      server.api.createDrop({ name: "Fuzz upcoming", totalStock: 5, startsAt: new Date(Date.now() + 3_600_000).toISOString() }),
      server.api.createDrop({ name: "Fuzz ended", totalStock: 5, startsAt: new Date(Date.now() - 7_200_000).toISOString(), endsAt: hourAgo }),
    ]);
    ctx.drops = drops.map((d) => d.id);
    const shoppers = await Promise.all([server.api.shopper("fuzz"), server.api.shopper("fuzz"), server.api.shopper("fuzz")]);
    ctx.shoppers = shoppers.map((s) => ({ token: s.token, id: s.user.id }));
    const [prefix, id, , mac] = shoppers[0]!.token.split(".");
    ctx.tampered = `${prefix}.${id}.someone_else.${mac}`;
    for (const [owner, shopper] of shoppers.entries()) {
      const hold = await server.api.reserve(shopper.token, ctx.drops[0]!, 1);
      ctx.holds.push({ id: ok(hold).reservation.id, owner });
    }
    expect((await server.api.purchase(shoppers[0]!.token, ctx.holds[0]!.id)).status).toBe(201);
  });
  afterAll(() => server?.stop());

  it(`${BATCH * BATCHES} generated requests, ${BATCH} at a time: never a 5xx, always a documented JSON answer`, async () => {
    const started = Date.now();
    const run = propertyRun("fuzz", BATCHES);
    const property = fc.asyncProperty(fc.array(request, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const outcomes = await Promise.allSettled(batch.map(sendAndCheck));
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
      if (failed) throw failed.reason;
    });
    try {
      await fc.assert(property, run);
    } finally {
      console.log(`[fuzz] ${sent} requests fuzzed, seed ${run.seed}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      console.log(`[fuzz] answers: ${[...statuses.entries()].sort().map(([k, v]) => `${k}: ${v}`).join(", ")}`);
    }
    expect(sent).toBeGreaterThanOrEqual(BATCH * run.numRuns);
  }, 900_000);

  // Requests the fuzz found answered 500 INTERNAL, each kept as a plain example.
  describe("answers the fuzz found wrong", () => {
    it.each(["gzip", "deflate", "br"])("a JSON body labelled Content-Encoding: %s that is not compressed is a client error, not a 500", async (encoding) => {
      const answer = await server.api.call("POST", "/api/sessions", {
        rawBody: '{"username":"not_compressed"}',
        headers: { "content-type": "application/json", "content-encoding": encoding },
      });
      expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
      expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
      expect(errorStatus[errorBodySchema.parse(answer.body).error]).toBe(answer.status);
    });

    it("a drop name containing a NUL character is refused with 400 VALIDATION_ERROR naming the field, never a 500", async () => {
      // PostgreSQL text cannot hold NUL; the server refuses every control character in a name.
      const answer = await server.api.call("POST", "/api/drops", { token: ADMIN_TOKEN, body: { name: "nul\u0000name", price: "1.00", totalStock: 1 } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body).toEqual({
        error: "VALIDATION_ERROR",
        message: expect.any(String),
        details: [{ path: "name", message: "must not contain control characters" }],
      });
    });

    it("a hold whose price x quantity reaches 10,000,000,000 can be bought: 201 with the whole amount paid", async () => {
      // The highest price the API takes (10 digits before the point), two units, both within maxPerUser.
      const drop = await server.api.createDrop({ price: "9999999999.99", totalStock: 2, maxPerUser: 2 });
      const shopper = await server.api.shopper("rich");
      const hold = await server.api.reserve(shopper.token, drop.id, 2);
      expect(hold.status, JSON.stringify(hold.body)).toBe(201);

      const bought = await server.api.purchase(shopper.token, ok(hold).reservation.id);

      expect(bought.status, JSON.stringify(bought.body)).toBe(201);
      expect(bought.body.purchase).toMatchObject({ quantity: 2, amountPaid: "19999999999.98" });
    });

    it("a deeply nested body sent with an Idempotency-Key is refused like the same body without one: 400 VALIDATION_ERROR", async () => {
      const [shopper] = ctx.shoppers;
      const depth = 7_900; // 15.8 kB: under the 16 kB body limit
      const rawBody = `{"dropId":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const headers = { "content-type": "application/json" };

      const plain = await server.api.call("POST", "/api/reservations", { token: shopper!.token, rawBody, headers });
      const keyed = await server.api.call("POST", "/api/reservations", { token: shopper!.token, rawBody, headers: { ...headers, "idempotency-key": "deep-body" } });

      expect(plain.status).toBe(400);
      expect(keyed.status, JSON.stringify(keyed.body)).toBe(400);
      expect(keyed.body).toEqual(plain.body);
    });
  });

  describe("after the fuzz", () => {
    it("the process is alive and its database answers", async () => {
      expect(server.httpServer.listening).toBe(true);
      expect(await server.api.call("GET", "/api/health")).toMatchObject({ status: 200, body: { ok: true } });
      expect(await server.api.call("GET", "/api/ready")).toMatchObject({ status: 200, body: { ok: true } });
    });

    it("no prototype was polluted by __proto__, constructor or prototype keys", () => {
      expect(prototypeKeys()).toEqual(keysBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it("every drop's stock still adds up: the audit is clean and each counter matches its rows", async () => {
      const audit = await server.api.audit();
      expect(audit.status).toBe(200);
      expect(audit.body).toMatchObject({ ok: true, problems: [] });
      const { rows } = await server.db.pool.query<{ id: string }>("SELECT id::text FROM drops");
      expect(audit.body.dropsChecked).toBe(rows.length);
      for (const { id } of rows) {
        const stock = await checkStock(server.db.pool, id);
        expect(stock.heldStock, `drop ${id}`).toBe(stock.activeHoldUnits);
        expect(stock.soldStock, `drop ${id}`).toBe(stock.purchasedUnits);
        expect(stock.heldStock + stock.soldStock, `drop ${id}`).toBeLessThanOrEqual(stock.totalStock);
      }
    });
  });
});
