import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionResponse } from "../../src/sessions/sessions.schemas.js";
import { createTestDatabase, type TestDatabase } from "../database.js";
import { startMailSink, startSmsSink, type MailSink, type SmsSink } from "../mail.js";
import { spawnServer } from "../process.js";
import { ApiClient, ok, testEnv, type Answer } from "../server.js";

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
    const shopper = ok(await api.call<Answer<SessionResponse>>("POST", "/api/sessions", { body: { username, email, phone } }), 201);
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
      const mails = mail.received.filter((m) => m.to.includes(email));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toContain(purchase.confirmationCode);
      expect(sms.received.filter((m) => m.to === phone)).toHaveLength(1);
      const { rows: jobs } = await db.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'outbox-deliver'`);
      expect(jobs[0].n).toBe(2);
    } finally {
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    }
  });
});
