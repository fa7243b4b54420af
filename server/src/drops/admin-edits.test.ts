import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";

describe("admin edits that end a drop", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  const soon = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

  it.each([
    ["endsAt moved into the past", () => ({ endsAt: new Date(Date.now() - 1000).toISOString(), startsAt: new Date(Date.now() - 60_000).toISOString() })],
    ["startsAt moved into the future", () => ({ startsAt: soon(3600) })],
  ])("end the drop's active holds when %s: units back, owner told, purchase refused", async (_what, patch) => {
    const drop = await server.api.createDrop({ totalStock: 5, maxPerUser: 2, startsAt: new Date(Date.now() - 30_000).toISOString() });
    const shopper = await server.api.shopper("ended");
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const hold = ok(await server.api.reserve(shopper.token, drop.id, 2), 201).reservation;
      const expired = waitForEvent(socket, "reservationExpired", (event) => event.reservationId === hold.id);
      const updated = waitForEvent(socket, "reservationUpdated", (event) => event.reservation.id === hold.id && event.reservation.status === "expired");

      const edited = ok(await server.api.updateDrop(drop.id, patch()), 200);
      expect(edited).toMatchObject({ heldStock: 0, availableStock: 5 });
      expect(["ended", "upcoming"]).toContain(edited.status);

      await expired;
      const { payload } = await updated;
      expect(Date.parse(payload.reservation.expiresAt)).toBeLessThanOrEqual(Date.now());
      const bought = await server.api.purchase(shopper.token, hold.id);
      expect(bought.status).toBe(410);
      expect(bought.body.error).toBe("RESERVATION_EXPIRED");
      expect(ok(await server.api.getReservation(shopper.token, hold.id)).reservation.status).toBe("expired");
      expect(ok(await server.api.audit())).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
  });

  it("keep holds when the drop stays live, and refuse an edit that would put stock below what is held", async () => {
    const drop = await server.api.createDrop({ totalStock: 5 });
    const shopper = await server.api.shopper("kept");
    const hold = ok(await server.api.reserve(shopper.token, drop.id, 1), 201).reservation;

    const later = ok(await server.api.updateDrop(drop.id, { endsAt: soon(3600), name: "Renamed" }), 200);
    expect(later).toMatchObject({ name: "Renamed", heldStock: 1, status: "live" });
    const refused = await server.api.updateDrop(drop.id, { totalStock: 0 });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: "STOCK_BELOW_COMMITTED", details: { heldStock: 1, soldStock: 0 } });
    expect(ok(await server.api.getReservation(shopper.token, hold.id)).reservation.status).toBe("active");
    expect(ok(await server.api.purchase(shopper.token, hold.id), 201).purchase.quantity).toBe(1);
  });

  it("refuse an edit whose endsAt would not be after startsAt, changing nothing", async () => {
    const drop = await server.api.createDrop({ totalStock: 5, startsAt: soon(600) });
    const refused = await server.api.updateDrop(drop.id, { endsAt: soon(60), name: "Never" });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: "VALIDATION_ERROR", details: [{ path: "endsAt" }] });
    expect(ok(await server.api.getDrop(drop.id))).toMatchObject({ name: drop.name, endsAt: null, version: drop.version });
  });
});

describe("drop fields from the admin", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  const create = (body: Record<string, unknown>) => server.api.call("POST", "/api/drops", { token: ADMIN_TOKEN, body: { name: "Face", price: "10.00", totalStock: 3, ...body } });

  it("refuse an endsAt in the past when startsAt is left to default to now (400, not a database error)", async () => {
    const answer = await create({ endsAt: new Date(Date.now() - 60_000).toISOString() });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "VALIDATION_ERROR", details: [{ path: "endsAt", message: "must be after startsAt" }] });
  });

  it.each([
    ["name", "a lone high surrogate", { name: "Lone \ud800 surrogate" }],
    ["name", "a lone low surrogate", { name: "Lone \udc00 low surrogate" }],
    ["description", "a lone surrogate", { description: "Broken \ud83d text" }],
    ["imageUrl", "a lone surrogate", { imageUrl: "https://cdn.example.com/\ud800.png" }],
    ["imageUrl", "plain http", { imageUrl: "http://cdn.example.com/shoe.png" }],
    ["imageUrl", "a script URL", { imageUrl: "javascript:alert(1)" }],
    ["imageUrl", "credentials", { imageUrl: "https://user:secret@cdn.example.com/a.png" }],
    ["description", "2,001 characters", { description: "x".repeat(2001) }],
    ["description", "a control character", { description: "bell \u0007 character" }],
  ])("refuse a %s with %s with 400 on create and on PATCH", async (field, _what, body) => {
    const created = await create(body);
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ error: "VALIDATION_ERROR", details: [{ path: field }] });
    const drop = await server.api.createDrop();
    const patched = await server.api.updateDrop(drop.id, body);
    expect(patched.status).toBe(400);
    expect(patched.body).toMatchObject({ error: "VALIDATION_ERROR", details: [{ path: field }] });
  });

  it("keep well-formed text, emoji and all, with an https image and a description of several lines", async () => {
    const created = await create({ name: "Aurora 👟 Dawn", imageUrl: "https://cdn.example.com/aurora.png", description: "Line one.\nLine two 👟." });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Aurora 👟 Dawn", imageUrl: "https://cdn.example.com/aurora.png", description: "Line one.\nLine two 👟." });
    const id = (created.body as { id: string }).id;
    const cleared = ok(await server.api.updateDrop(id, { imageUrl: null, description: "" }));
    expect(cleared).toMatchObject({ imageUrl: null, description: null });
    expect(ok(await server.api.getDrop(id))).toMatchObject({ imageUrl: null, description: null });
  });
});
