import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../test/server.js";
import { OutboxRelay } from "./relay.js";

describe("the outbox relay, running in several processes at once", () => {
  let server: TestServer;
  beforeAll(async () => {
    // No workers: the jobs stay in pg-boss's table to be counted.
    server = await startTestServer({ OUTBOX_RELAY_MS: "50" }, { jobWorkers: false });
  });
  afterAll(() => server?.stop());

  it("hands each message to the job engine exactly once, a backlog larger than one batch included", async () => {
    await server.db.pool.query(
      `INSERT INTO outbox_messages (channel, recipient, template, data)
       SELECT 'email', 'r' || i || '@example.com', 'cart_expired', '{"dropName":"Cap","dropId":"d","quantity":1,"username":"u"}'
       FROM generate_series(1, 450) i`,
    );
    // Three relays race over the same rows: the server's own, and two more as other processes would run them.
    const others = [new OutboxRelay(server.services.pool, server.services.jobs, 60_000), new OutboxRelay(server.services.pool, server.services.jobs, 60_000)];
    const counts = await Promise.all(others.map((relay) => relay.relayOnce()));
    await expect
      .poll(async () => (await server.db.pool.query(`SELECT count(*)::int AS n FROM outbox_messages WHERE dispatched_at IS NULL`)).rows[0].n, { timeout: 10_000, interval: 50 })
      .toBe(0);
    expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(450);

    const { rows } = await server.db.pool.query(
      `SELECT count(*)::int AS messages, count(j.id)::int AS jobs, count(DISTINCT j.data->>'messageId')::int AS distinct_jobs
       FROM outbox_messages m LEFT JOIN pgboss.job j ON j.name = 'outbox-deliver' AND j.data->>'messageId' = m.id::text`,
    );
    expect(rows[0]).toEqual({ messages: 450, jobs: 450, distinct_jobs: 450 });
  });
});
