import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shopperWithContact } from "../contacts.js";
import { createTestDatabase, type TestDatabase } from "../database.js";
import { startMailSink, startSmsSink, type MailSink, type SmsSink } from "../mail.js";
import { spawnServer } from "../process.js";
import { ApiClient, ok, testEnv } from "../server.js";

describe("kill -9 after a purchase committed, before its messages went out", () => {
  let db: TestDatabase;
  let mail: MailSink;
  let sms: SmsSink;
  beforeAll(async () => {
    [db, mail, sms] = await Promise.all([createTestDatabase(), startMailSink(), startSmsSink()]);
  });
  afterAll(async () => {
    await Promise.all([db?.drop(), mail?.close(), sms?.close()]);
  });

  function startProcess(relayMs: number) {
    // LOG_LEVEL info: the helper reads the listening URL from the server's own log line.
    return spawnServer({
      ...process.env,
      ...testEnv({ DATABASE_URL: db.url, LOG_LEVEL: "info", SMTP_URL: mail.url, SMS_PROVIDER: "webhook", SMS_WEBHOOK_URL: sms.url, OUTBOX_RELAY_MS: String(relayMs) }),
    });
  }

  it("sends the email and the text once after the restart", async () => {
    // The relay's first pass runs at start, the next in a minute: the purchase's messages wait in the outbox, undispatched.
    const first = startProcess(60_000);
    const api = new ApiClient(await first.url);
    const username = `k_${randomBytes(5).toString("hex")}`;
    const email = `${username}@example.com`;
    const phone = "+4915112345670";
    // Confirmed with the codes as the outbox holds them (they wait undispatched too): orders go to confirmed addresses only.
    const shopper = await shopperWithContact(api, username, { email, phone });
    const drop = await api.createDrop({ name: "Crash Cap", totalStock: 2 });
    const { reservation } = ok(await api.reserve(shopper.token, drop.id), 201);
    const { purchase } = ok(await api.purchase(shopper.token, reservation.id), 201);
    const { rows: before } = await db.pool.query(`SELECT status, dispatched_at FROM outbox_messages WHERE reservation_id = $1`, [reservation.id]);
    expect(before).toEqual([
      { status: "pending", dispatched_at: null },
      { status: "pending", dispatched_at: null },
    ]);
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startProcess(100);
    try {
      await second.url;
      await expect
        .poll(
          async () => {
            const { rows } = await db.pool.query(
              `SELECT count(*)::int AS open FROM outbox_messages m
               WHERE m.reservation_id = $1 AND (m.status <> 'sent' OR EXISTS (
                 SELECT 1 FROM pgboss.job j WHERE j.name = 'outbox-deliver' AND j.data->>'messageId' = m.id::text AND j.state < 'completed'))`,
              [reservation.id],
            );
            return rows[0].open;
          },
          { timeout: 20_000, interval: 50 },
        )
        .toBe(0);
      // Each address got its code and its order, once each.
      const mails = mail.received.filter((m) => m.to.includes(email));
      expect(mails.map((m) => (m.subject.startsWith("Your Dropline code") ? "code" : "order")).sort()).toEqual(["code", "order"]);
      expect(mails.find((m) => !m.subject.startsWith("Your Dropline code"))!.text).toContain(purchase.confirmationCode);
      const texts = sms.received.filter((m) => m.to === phone);
      expect(texts).toHaveLength(2);
      expect(texts.filter((m) => m.body.includes(purchase.confirmationCode!))).toHaveLength(1);
      const { rows: jobs } = await db.pool.query(
        `SELECT count(*)::int AS n FROM pgboss.job j JOIN outbox_messages m ON j.data->>'messageId' = m.id::text
         WHERE j.name = 'outbox-deliver' AND m.reservation_id = $1`,
        [reservation.id],
      );
      expect(jobs[0].n).toBe(2);
    } finally {
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    }
  });
});
