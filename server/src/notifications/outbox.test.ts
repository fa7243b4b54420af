import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, startTestServer, type Answer, type TestServer } from "../../test/server.js";
import { ADMIN_TOKEN } from "../../test/env.js";
import { shopperWithContact } from "../../test/contacts.js";
import { outboxResponse, type OutboxResponse } from "./outbox.schemas.js";

describe("the admin outbox, with no SMTP_URL and no SMS_PROVIDER (development)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ OUTBOX_RELAY_MS: "100" });
  });
  afterAll(() => server?.stop());

  const outbox = (query = "", token: string | null = ADMIN_TOKEN) => server.api.call<Answer<OutboxResponse>>("GET", `/api/admin/outbox${query}`, { token: token ?? undefined });

  it("keeps a purchase's email and text pending, says why, and shows them rendered, newest first", async () => {
    const username = `o_${randomBytes(5).toString("hex")}`;
    // Addresses get order messages once confirmed; with no transport, the codes are read where they wait: the outbox.
    const shopper = await shopperWithContact(server.api, username, { email: `${username}@example.com`, phone: "+4915112345678" });
    const drop = await server.api.createDrop({ name: "Outbox Tee", price: "20.00", totalStock: 2 });
    const { reservation } = ok(await server.api.reserve(shopper.token, drop.id), 201);
    const { purchase } = ok(await server.api.purchase(shopper.token, reservation.id), 201);

    // The worker has looked at both (no transport): they stay pending, never attempted, with the reason.
    await expect
      .poll(async () => {
        const { rows } = await server.db.pool.query(`SELECT count(*)::int AS n FROM outbox_messages WHERE reservation_id = $1 AND last_error IS NOT NULL`, [reservation.id]);
        return rows[0].n;
      }, { timeout: 10_000, interval: 50 })
      .toBe(2);

    const body = ok(await outbox("?status=pending"), 200);
    expect(outboxResponse.strict().safeParse(body).success).toBe(true);
    const mine = body.messages.filter((m) => m.reservationId === reservation.id);
    expect(mine.map((m) => m.channel).sort()).toEqual(["email", "sms"]);
    const email = mine.find((m) => m.channel === "email")!;
    expect(email).toMatchObject({
      to: `${username}@example.com`,
      template: "purchase_completed",
      status: "pending",
      attempts: 0,
      lastError: "no SMTP_URL set: kept in the outbox, not sent",
      subject: expect.stringContaining(purchase.confirmationCode!),
      body: expect.stringContaining(purchase.tickets[0]!.code),
      html: expect.stringContaining("<!doctype html>"),
    });
    expect(email.sentAt).toBeUndefined();
    const text = mine.find((m) => m.channel === "sms")!;
    expect(text).toMatchObject({ to: "+4915112345678", status: "pending", attempts: 0, lastError: "no SMS_PROVIDER set: kept in the outbox, not sent" });
    expect(text.subject).toBeUndefined();
    expect(text.html).toBeUndefined();

    // Newest first, by createdAt.
    const all = ok(await outbox(), 200).messages;
    const times = all.map((m) => Date.parse(m.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.length).toBeLessThanOrEqual(200);
  });

  it("filters by status", async () => {
    const { rows } = await server.db.pool.query(
      `INSERT INTO outbox_messages (channel, recipient, template, data, status, sent_at, attempts)
       VALUES ('email', 'sent@example.com', 'cart_expired', '{"dropName":"Cap","dropId":"d","quantity":1,"username":"u"}', 'sent', now(), 1),
              ('sms', '+4915100000000', 'cart_expired', '{"dropName":"Cap","dropId":"d","quantity":1,"username":"u"}', 'failed', NULL, 7)
       RETURNING id::text, status`,
    );
    const sent = ok(await outbox("?status=sent"), 200).messages;
    expect(sent.every((m) => m.status === "sent")).toBe(true);
    expect(sent.find((m) => m.id === rows[0].id)).toMatchObject({ to: "sent@example.com", sentAt: expect.any(String), subject: "Your hold on Cap ran out" });
    const failed = ok(await outbox("?status=failed"), 200).messages;
    expect(failed.map((m) => m.id)).toEqual([rows[1].id]);
    expect(failed[0]!.reservationId).toBeUndefined();
    expect(ok(await outbox("?status=pending"), 200).messages.every((m) => m.status === "pending")).toBe(true);
  });

  it("answers 400 for an unknown status, 401 without a token and 403 for a shopper", async () => {
    const bad = await outbox("?status=queued");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "VALIDATION_ERROR", details: [{ path: "status" }] });
    expect((await outbox("?status=sent&status=failed")).status).toBe(400);
    expect((await outbox("", null)).status).toBe(401);
    const shopper = await server.api.shopper();
    expect((await outbox("", shopper.token)).status).toBe(403);
  });
});
