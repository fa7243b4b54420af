import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, connectSocket, ok, startTestServer, type SomeAnswer, type TestServer } from "../../test/server.js";

describe("operating the server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ METRICS_TOKEN: "metrics-token-0123456789" });
  });
  afterAll(() => server?.stop());

  const counter = async (series: string) => {
    const text = (await server.api.call("GET", "/metrics", { token: ADMIN_TOKEN })).body as string;
    const line = text.split("\n").find((l) => l.startsWith(series + " "));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };

  it("GET /metrics is for the admin or metrics token only, and counts what happened", async () => {
    const createdBefore = await counter('dropline_holds_total{outcome="created"}');
    // A refusal comes from the database or, once it knows the drop is sold out, from memory.
    const refused = async () =>
      (await counter('dropline_holds_total{outcome="out_of_stock"}')) + (await counter('dropline_holds_total{outcome="out_of_stock_cached"}'));
    const refusedBefore = await refused();
    const drop = await server.api.createDrop({ totalStock: 1 });
    const [a, b] = await Promise.all([server.api.shopper("a"), server.api.shopper("b")]);
    await server.api.reserve(a.token, drop.id);
    await server.api.reserve(b.token, drop.id);
    const socket = await connectSocket(server.url);
    try {
      for (const token of [undefined, a.token, "not-the-token"]) {
        const refused = await server.api.call<SomeAnswer>("GET", "/metrics", { token });
        expect(refused.status).toBe(401);
        expect(refused.body.error).toBe("UNAUTHENTICATED");
      }
      for (const token of [ADMIN_TOKEN, "metrics-token-0123456789"]) {
        const metrics = await server.api.call("GET", "/metrics", { token });
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get("content-type")).toContain("text/plain");
        const text = metrics.body as string;
        expect(text).toContain(`dropline_holds_total{outcome="created"} ${createdBefore + 1}\n`);
        expect(text).toMatch(/^dropline_socket_connections 1$/m);
        expect(await refused()).toBe(refusedBefore + 1);
        expect(text).toMatch(/^dropline_db_pool_connections\{state="total"\} \d+$/m);
        expect(text).toMatch(/^dropline_nodejs_eventloop_lag_seconds /m);
        expect(text).toMatch(/^dropline_http_requests_total\{method="POST",status="201"\} \d+$/m);
      }
    } finally {
      socket.close();
    }
  });

  it("the audit recounts stock for the admin only", async () => {
    const drop = await server.api.createDrop({ totalStock: 3 });
    const shopper = await server.api.shopper("audited");
    const hold = await server.api.reserve(shopper.token, drop.id);
    await server.api.purchase(shopper.token, ok(hold).reservation.id);
    expect((await server.api.call("GET", "/api/admin/audit")).status).toBe(401);
    expect((await server.api.call("GET", "/api/admin/audit", { token: shopper.token })).status).toBe(403);
    const audit = await server.api.audit();
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ ok: true, problems: [] });
    expect(audit.body.dropsChecked).toBeGreaterThanOrEqual(1);
  });

  it("the audit names a drop whose counter disagrees with its rows", async () => {
    const drop = await server.api.createDrop({ totalStock: 3, name: "Tampered" });
    // Outside any code path the server has: the audit is the tripwire for exactly this.
    await server.db.pool.query(`UPDATE drops SET sold_stock = 2 WHERE id = $1`, [drop.id]);
    const audit = await server.api.audit();
    expect(audit.body.ok).toBe(false);
    expect(audit.body.problems).toContainEqual({ dropId: drop.id, name: "Tampered", check: "sold_stock = units purchased + units pre-ordered", counter: 2, recount: 0 });
    await server.db.pool.query(`UPDATE drops SET sold_stock = 0 WHERE id = $1`, [drop.id]);
  });

  it("every answer carries a request id (the caller's when sane) and security headers", async () => {
    const own = await server.api.call("GET", "/api/health", { headers: { "x-request-id": "trace-abc.123" } });
    expect(own.headers.get("x-request-id")).toBe("trace-abc.123");
    const insane = await server.api.call("GET", "/api/health", { headers: { "x-request-id": "<script>" } });
    expect(insane.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(insane.headers.get("x-content-type-options")).toBe("nosniff");
    expect(insane.headers.get("x-powered-by")).toBeNull();
    expect(insane.headers.get("content-security-policy")).toContain("default-src 'self'");
  });
});
