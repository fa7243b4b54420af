import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyContact } from "../../test/contacts.js";
import { startMailSink, startSmsSink, type MailSink, type ReceivedMail, type SmsSink } from "../../test/mail.js";
import { ok, startTestServer, type TestServer } from "../../test/server.js";
import type { SessionResponse } from "../sessions/sessions.schemas.js";
import type { Answer } from "../../test/api-client.js";

/**
 * Recipients whose name says how the stand-in servers treat them once their
 * owner has confirmed them (the code itself goes through): FLAKY ones refuse
 * twice (451 / 503), then take it; BOUNCE ones refuse for good (550 / 400).
 * Phones: ending 0001 is flaky, 0002 bounces.
 */
const FLAKY = "flaky";
const BOUNCE = "bounce";
const behaviour = (to: string) =>
  to.startsWith(FLAKY) || to.endsWith("0001") ? "flaky" : to.startsWith(BOUNCE) || to.endsWith("0002") ? "bounce" : "takes";
/** Is this the code message (the first thing a new address gets)? */
const isCodeMail = (m: ReceivedMail) => m.subject.startsWith("Your Dropline code");
const isCodeText = (m: { body: string }) => /^\d{6} is your Dropline code/.test(m.body);

describe("order emails and texts, through a real SMTP server and an SMS webhook", () => {
  let server: TestServer;
  let mail: MailSink;
  let sms: SmsSink;
  beforeAll(async () => {
    mail = await startMailSink((to) => refusal(to, 451, 550));
    sms = await startSmsSink((to) => refusal(to, 503, 400) ?? 200);
    const gateway = new URL(sms.url);
    gateway.username = "acct";
    gateway.password = "s3cret";
    server = await startTestServer({ SMTP_URL: mail.url, MAIL_FROM: "Shop <orders@shop.test>", SMS_PROVIDER: "webhook", SMS_WEBHOOK_URL: gateway.toString(), OUTBOX_RELAY_MS: "100" });
  });
  afterAll(async () => {
    await server?.stop();
    await mail?.close();
    await sms?.close();
  });

  /** Refusals so far per confirmed address: an address starts refusing (as its name says) once its code got through. */
  const refusals = new Map<string, number>();
  function refusal(to: string, transient: number, permanent: number): number | undefined {
    const so = refusals.get(to);
    if (so === undefined || behaviour(to) === "takes") return undefined;
    if (behaviour(to) === "bounce") return permanent;
    if (so >= 2) return undefined;
    refusals.set(to, so + 1);
    return transient;
  }

  /**
   * A new shopper whose email and phone are confirmed with the codes the
   * receivers got, as their owner would: order messages only go to confirmed
   * addresses.
   */
  async function shopper(contact: { email?: string; phone?: string }): Promise<SessionResponse> {
    const username = `n_${randomBytes(5).toString("hex")}`;
    const session = ok(await server.api.call<Answer<SessionResponse>>("POST", "/api/sessions", { body: { username, ...contact } }), 201);
    const { email, phone } = contact;
    if (email) {
      const codeMail = await arrived(() => mail.received.find((m) => m.to.includes(email) && isCodeMail(m)));
      ok(await verifyContact(server.api, session.token, "email", codeMail.subject.match(/\d{6}/)![0]), 200);
      refusals.set(email, 0);
    }
    if (phone) {
      const codeText = await arrived(() => sms.received.find((m) => m.to === phone && isCodeText(m)));
      ok(await verifyContact(server.api, session.token, "phone", codeText.body.slice(0, 6)), 200);
      refusals.set(phone, 0);
    }
    return session;
  }
  async function arrived<T>(find: () => T | undefined): Promise<T> {
    await expect.poll(() => find() !== undefined, { timeout: 10_000, interval: 20 }).toBe(true);
    return find()!;
  }

  /** What an address got besides its code. */
  const ordersMailedTo = (email: string) => mail.received.filter((m) => m.to.includes(email) && !isCodeMail(m));
  const ordersTextedTo = (phone: string) => sms.received.filter((m) => m.to === phone && !isCodeText(m));

  async function buy(token: string, quantity = 1) {
    const drop = await server.api.createDrop({ name: `Night Run ${randomBytes(3).toString("hex")}`, price: "49.50", totalStock: 5, maxPerUser: 3 });
    const { reservation } = ok(await server.api.reserve(token, drop.id, quantity), 201);
    const { purchase } = ok(await server.api.purchase(token, reservation.id), 201);
    return { drop, reservation, purchase };
  }

  it("sends one email and one text after a purchase, with the code, the amount and every ticket", async () => {
    const email = `buyer_${randomBytes(4).toString("hex")}@example.com`;
    const phone = "+4915112345678";
    const alice = await shopper({ email, phone });
    const { drop, reservation, purchase } = await buy(alice.token, 2);

    const queued = await messagesOf(server.db.pool, reservation.id);
    expect(queued.map((m) => m.channel).sort()).toEqual(["email", "sms"]);
    await settled(server.db.pool, reservation.id);

    const mails = ordersMailedTo(email);
    expect(mails).toHaveLength(1);
    const [message] = mails;
    const emailRow = queued.find((m) => m.channel === "email")!;
    expect(message!.messageId).toBe(`<${emailRow.id}@dropline>`);
    expect(message!.subject).toContain(purchase.confirmationCode);
    expect(message!.raw).toMatch(/^From: Shop <orders@shop\.test>/m);
    expect(message!.text).toContain(`Confirmation code: ${purchase.confirmationCode}`);
    expect(message!.text).toContain("Amount paid: 99.00");
    expect(message!.text).toContain(drop.name);
    expect(purchase.tickets).toHaveLength(2);
    for (const ticket of purchase.tickets) {
      expect(message!.text).toContain(ticket.code);
      expect(message!.text).toContain(`/api/tickets/${ticket.code}/qr.svg`);
    }
    expect(message!.raw).toMatch(/Content-Type: text\/html/i);

    const texts = ordersTextedTo(phone);
    expect(texts).toHaveLength(1);
    expect(texts[0]!.body).toContain(purchase.confirmationCode);
    expect(texts[0]!.idempotencyKey).toBe(queued.find((m) => m.channel === "sms")!.id);
    expect(texts[0]!.authorization).toBe(`Basic ${Buffer.from("acct:s3cret").toString("base64")}`);

    const rows = await messagesOf(server.db.pool, reservation.id);
    for (const row of rows) expect(row).toMatchObject({ status: "sent", attempts: 1, last_error: null });
    const events = await eventsOf(server.db.pool, reservation.id);
    expect(events.filter((e) => e.type === "notification_sent").map((e) => e.detail.channel).sort()).toEqual(["email", "sms"]);
    expect(events.some((e) => e.type === "notification_failed")).toBe(false);
  });

  it("retries a refused delivery with backoff, records each failure on the hold's timeline, and sends it once", async () => {
    const email = `${FLAKY}_${randomBytes(4).toString("hex")}@example.com`;
    const phone = "+4915100000001";
    const bob = await shopper({ email, phone });
    const { reservation, purchase } = await buy(bob.token);
    await settled(server.db.pool, reservation.id, 30_000);

    // One attempt for the code, three for the order.
    expect(mail.attempts.get(email)).toBe(4);
    expect(ordersMailedTo(email)).toHaveLength(1);
    expect(ordersTextedTo(phone)).toHaveLength(1);
    const rows = await messagesOf(server.db.pool, reservation.id);
    for (const row of rows) expect(row).toMatchObject({ status: "sent", attempts: 3 });
    expect(rows.find((r) => r.channel === "email")!.last_error).toMatch(/^SMTP 451/);
    expect(rows.find((r) => r.channel === "sms")!.last_error).toMatch(/answered 503/);

    const events = await eventsOf(server.db.pool, reservation.id);
    const emailEvents = events.filter((e) => e.type.startsWith("notification_") && e.detail.channel === "email");
    expect(emailEvents.map((e) => [e.type, e.detail.attempt, e.detail.retryable])).toEqual([
      ["notification_failed", 1, true],
      ["notification_failed", 2, true],
      ["notification_sent", undefined, undefined],
    ]);
    expect(emailEvents[0]!.detail).toMatchObject({ channel: "email", reason: expect.stringMatching(/451/) });
    expect(ordersMailedTo(email)[0]!.text).toContain(purchase.confirmationCode);
  });

  it("fails a message at once when the receiver refuses it for good (SMTP 5xx, gateway 4xx)", async () => {
    const email = `${BOUNCE}_${randomBytes(4).toString("hex")}@example.com`;
    const phone = "+4915100000002";
    const carol = await shopper({ email, phone });
    const { reservation } = await buy(carol.token);
    await settled(server.db.pool, reservation.id);

    // One for the code, one for the order.
    expect(mail.attempts.get(email)).toBe(2);
    const rows = await messagesOf(server.db.pool, reservation.id);
    for (const row of rows) expect(row).toMatchObject({ status: "failed", attempts: 1 });
    const failures = (await eventsOf(server.db.pool, reservation.id)).filter((e) => e.type === "notification_failed");
    expect(failures.map((e) => [e.detail.channel, e.detail.attempt, e.detail.retryable]).sort()).toEqual([
      ["email", 1, false],
      ["sms", 1, false],
    ]);
  });

  it("sends nothing to a shopper without contact details, and only email to one without a phone", async () => {
    const dave = await shopper({});
    const first = await buy(dave.token);
    const email = `dave_${randomBytes(4).toString("hex")}@example.com`;
    const erin = await shopper({ email });
    const second = await buy(erin.token);
    expect(await messagesOf(server.db.pool, first.reservation.id)).toEqual([]);
    expect((await messagesOf(server.db.pool, second.reservation.id)).map((m) => m.channel)).toEqual(["email"]);
    await settled(server.db.pool, second.reservation.id);
    expect(ordersMailedTo(email)).toHaveLength(1);
  });

  it("emails a shopper whose hold ran out that the units went back to stock", async () => {
    const email = `late_${randomBytes(4).toString("hex")}@example.com`;
    const frank = await shopper({ email, phone: "+4915100000009" });
    const drop = await server.api.createDrop({ name: "Lapsed Jacket", totalStock: 3, holdSeconds: 10, maxPerUser: 2 });
    const { reservation } = ok(await server.api.reserve(frank.token, drop.id, 2), 201);
    // The hold's ten seconds, already behind it: the sweeper (every 250 ms in tests) expires it.
    await server.db.pool.query(
      `UPDATE reservations SET created_at = created_at - interval '30 seconds', expires_at = expires_at - interval '30 seconds' WHERE id = $1`,
      [reservation.id],
    );
    await expect.poll(async () => (await messagesOf(server.db.pool, reservation.id)).map((m) => m.template), { timeout: 10_000, interval: 50 }).toEqual(["cart_expired"]);
    await settled(server.db.pool, reservation.id);
    const mails = ordersMailedTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Your hold on Lapsed Jacket ran out");
    expect(mails[0]!.text).toContain("went back to stock");
    expect(ordersTextedTo("+4915100000009")).toHaveLength(0);
  });
});

interface MessageRow {
  id: string;
  channel: "email" | "sms";
  template: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

async function messagesOf(pool: pg.Pool, reservationId: string): Promise<MessageRow[]> {
  const { rows } = await pool.query<MessageRow>(
    `SELECT id::text, channel, template, status, attempts, last_error FROM outbox_messages WHERE reservation_id = $1 ORDER BY channel`,
    [reservationId],
  );
  return rows;
}

async function eventsOf(pool: pg.Pool, reservationId: string): Promise<{ type: string; detail: Record<string, unknown> }[]> {
  const { rows } = await pool.query(`SELECT type, detail FROM hold_events WHERE reservation_id = $1 ORDER BY id`, [reservationId]);
  return rows;
}

/**
 * Every message of the hold has ended (sent or failed) and no job for it is
 * left to run: from here nothing more can be sent, so counting what the
 * receivers got is final.
 */
async function settled(pool: pg.Pool, reservationId: string, timeout = 10_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS open FROM outbox_messages m
           WHERE m.reservation_id = $1 AND (m.status = 'pending' OR EXISTS (
             SELECT 1 FROM pgboss.job j WHERE j.name = 'outbox-deliver' AND j.data->>'messageId' = m.id::text AND j.state < 'completed'))`,
          [reservationId],
        );
        return rows[0].open;
      },
      { timeout, interval: 50 },
    )
    .toBe(0);
}
