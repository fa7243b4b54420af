import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, startTestServer, ADMIN_TOKEN, type TestServer } from "../../test/server.js";
import { parseDuration, timelineAsMermaid } from "./timeline-format.js";

describe("timeline, failures and tickets", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  const boughtAfterADecline = async (quantity = 2) => {
    const drop = await server.api.createDrop({ totalStock: 5, maxPerUser: 3 });
    const shopper = await server.api.shopper("fan");
    const hold = ok(await server.api.reserve(shopper.token, drop.id, quantity), 201).reservation;
    expect((await server.api.purchase(shopper.token, hold.id, { method: "sim_insufficient_funds" })).status).toBe(402);
    const purchase = ok(await server.api.purchase(shopper.token, hold.id, { method: "sim_flaky" }), 201).purchase;
    return { drop, shopper, hold, purchase };
  };

  it("tells a hold's life in order, to its owner and to the admin, and to no one else", async () => {
    const { shopper, hold, purchase } = await boughtAfterADecline();
    const events = ok(await server.api.timeline(hold.id, shopper.token)).events;
    expect(events.map((event) => event.type)).toEqual([
      "hold_created",
      "payment_started",
      "payment_failed",
      "payment_started",
      "payment_failed",
      "payment_failed",
      "payment_approved",
      "purchase_completed",
      "ticket_issued",
      "ticket_issued",
    ]);
    expect(events[2]!.detail).toMatchObject({ reason: "insufficient_funds", attempt: 1, retryable: false });
    expect(events[4]!.detail).toMatchObject({ reason: "provider_unreachable", attempt: 1, retryable: true });
    expect(events[7]!.detail).toMatchObject({ purchaseId: purchase.id, confirmationCode: purchase.confirmationCode });
    const times = events.map((event) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(ok(await server.api.timeline(hold.id)).events).toEqual(events);

    const stranger = await server.api.shopper("stranger");
    expect((await server.api.timeline(hold.id, stranger.token)).status).toBe(404);
    expect((await server.api.call("GET", `/api/admin/reservations/${hold.id}/timeline`, { token: shopper.token })).status).toBe(403);
    expect((await server.api.timeline("00000000-0000-4000-8000-000000000000")).body).toMatchObject({ error: "RESERVATION_NOT_FOUND" });

    const mermaid = timelineAsMermaid(events);
    expect(mermaid.split("\n")[0]).toBe("sequenceDiagram");
    expect(mermaid).toContain("P-->>D: payment_failed (insufficient_funds, attempt 1)");
  });

  it("groups the failures of the last minutes by type and reason, largest first", async () => {
    const { hold } = await boughtAfterADecline(1);
    const answer = await server.api.call<{ since: string; groups: { type: string; reason: string; count: number; reservationIds: string[] }[] }>(
      "GET",
      "/api/admin/failures?sinceSeconds=120",
      { token: ADMIN_TOKEN },
    );
    const { groups } = ok(answer);
    const unreachable = groups.find((group) => group.reason === "provider_unreachable")!;
    const funds = groups.find((group) => group.reason === "insufficient_funds")!;
    expect(unreachable.type).toBe("payment_failed");
    expect(unreachable.count).toBeGreaterThanOrEqual(2 * funds.count);
    expect(funds.reservationIds).toContain(hold.id);
    expect(groups.map((group) => group.count)).toEqual([...groups.map((group) => group.count)].sort((a, b) => b - a));
    for (const group of groups) expect(group.reservationIds.length).toBeLessThanOrEqual(5);
    expect((await server.api.call("GET", "/api/admin/failures?sinceSeconds=0", { token: ADMIN_TOKEN })).status).toBe(400);
    expect((await server.api.call("GET", "/api/admin/failures?sinceSeconds=abc", { token: ADMIN_TOKEN })).status).toBe(400);
    expect((await server.api.call("GET", "/api/admin/failures")).status).toBe(401);
  });

  it("gives each unit a ticket whose QR code only its owner can fetch, and checks it in once, even when scanned twice at once", async () => {
    const { shopper, purchase } = await boughtAfterADecline(2);
    expect(purchase.tickets).toHaveLength(2);
    expect(new Set(purchase.tickets.map((ticket) => ticket.code)).size).toBe(2);
    const [ticket] = purchase.tickets;
    const qr = await fetch(`${server.url}/api/tickets/${ticket!.code}/qr.svg`, { headers: { authorization: `Bearer ${shopper.token}` } });
    expect(qr.status).toBe(200);
    expect(qr.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(await qr.text()).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const stranger = await server.api.shopper("stranger");
    expect((await server.api.call("GET", `/api/tickets/${ticket!.code}/qr.svg`, { token: stranger.token })).status).toBe(404);

    const scans = await Promise.all(
      Array.from({ length: 5 }, () => server.api.call<{ ticket?: { status: string }; error?: string }>("POST", `/api/admin/tickets/${ticket!.code}/check-in`, { token: ADMIN_TOKEN })),
    );
    expect(scans.map((scan) => scan.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(scans.find((scan) => scan.status === 409)!.body.error).toBe("TICKET_ALREADY_USED");
    expect(ok(await server.api.getPurchase(shopper.token, purchase.id)).purchase.tickets.map((t) => t.status)).toEqual(["used", "valid"]);
    expect((await server.api.call("POST", `/api/admin/tickets/T-${"A".repeat(26)}/check-in`, { token: ADMIN_TOKEN })).body).toMatchObject({ error: "TICKET_NOT_FOUND" });
    expect((await server.api.call("POST", `/api/admin/tickets/${ticket!.code}/check-in`, { token: shopper.token })).status).toBe(403);
  });

  it("reads durations the way the failures command takes them", () => {
    expect([parseDuration("90s"), parseDuration("5m"), parseDuration("2h"), parseDuration("1d"), parseDuration("42")]).toEqual([90, 300, 7200, 86400, 42]);
    expect(() => parseDuration("5 minutes")).toThrow(/not a duration/);
  });
});
