import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, ok, startTestServer, type TestServer } from "../../test/server.js";

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const STATUSES = ["placed", "paid", "reserved", "awaiting_fulfillment", "fulfilling", "picked_up", "delivered", "rejected", "cancelled", "timed_out"];
const oneOf = (values: string[]) => `must be one of ${values.map((value) => `"${value}"`).join(", ")}`;

/** What zod says when nobody gave it words: none of it may reach a caller. */
const ZOD_WORDING = /Invalid|expected|received/;

describe("query parameters", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  const get = (path: string) => server.api.call("GET", path, { token: ADMIN_TOKEN });

  it("GET /api/admin/preorders?status=bad names the statuses in plain words", async () => {
    const answer = await get("/api/admin/preorders?status=bad");
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: "VALIDATION_ERROR",
      message: `The request query is not valid: status ${oneOf(STATUSES)}.`,
      details: [{ path: "status", message: oneOf(STATUSES) }],
    });
    expect(ok(await get("/api/admin/preorders?status=paid"))).toEqual({ preorders: [] });
  });

  it.each([
    ["/api/admin/preorders?status=paid&status=reserved", "status"],
    [`/api/admin/preorders?dropId=${UNKNOWN_ID}&dropId=${UNKNOWN_ID}`, "dropId"],
    ["/api/drops?include=ended&include=ended", "include"],
    ["/api/admin/outbox?status=sent&status=failed", "status"],
    ["/api/admin/failures?sinceSeconds=60&sinceSeconds=120", "sinceSeconds"],
  ])("%s: a parameter given twice is refused as such", async (path, name) => {
    const answer = await get(path);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: "VALIDATION_ERROR",
      message: `The request query is not valid: ${name} must be given once.`,
      details: [{ path: name, message: "must be given once" }],
    });
  });

  it.each([
    ["/api/admin/preorders?status=PAID"],
    ["/api/admin/preorders?status="],
    ["/api/admin/preorders?dropId="],
    ["/api/drops?include=all"],
    ["/api/admin/outbox?status=lost"],
    ["/api/admin/failures?sinceSeconds=soon"],
    ["/api/admin/failures?sinceSeconds=0"],
    ["/api/admin/failures?sinceSeconds=1.5"],
  ])("%s is refused in the words of every other 400", async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(400);
    const body = answer.body as { error: string; message: string; details: Array<{ path: string; message: string }> };
    expect(body.error).toBe("VALIDATION_ERROR");
    expect(body.message).toMatch(/^The request query is not valid: \w+ (must|the only)/);
    expect(body.message).not.toMatch(ZOD_WORDING);
    for (const detail of body.details) expect(detail.message).not.toMatch(ZOD_WORDING);
  });

  it("a body field of the wrong shape gets the same plain words", async () => {
    const shopper = await server.api.shopper("shape");
    const answer = await server.api.call("POST", "/api/purchases", { token: shopper.token, body: { reservationId: UNKNOWN_ID, payment: "card" } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: "VALIDATION_ERROR",
      message: "The request body is not valid: payment must be an object.",
      details: [{ path: "payment", message: "must be an object" }],
    });
  });
});
