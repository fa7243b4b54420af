// ticketdrop-checkout: the ticketdrop crowd end to end, with payments that fail.
// The phase's server is restarted with PAYMENT_DECLINE_RATE=0.2 (one sim_ok
// payment in five declined) and with somewhere to send notifications: an SMTP
// server and an SMS webhook in a process of their own
// (bench/lib/notification-sinks.mjs), counting what they receive.
//
// 1. Holds (timed, as ticketdrop): BENCH_CHECKOUT_SHOPPERS (50,000) prepared
//    shoppers each try once to hold one unit of a BENCH_CHECKOUT_STOCK (500)
//    unit drop. Every shopper was given a confirmed email and phone
//    beforehand, written straight into `users.email` / `users.phone` (which
//    hold confirmed addresses only: 50,000 codes sent and entered through
//    PATCH /api/me and POST /api/me/<field>/verify are not what is measured),
//    and cleared afterwards so that no other scenario's purchases queue
//    messages. An address that was not confirmed would get no order message,
//    and the outbox check below would fail.
// 2. Payments (timed), once the burst has ended: each winner pays with sim_ok,
//    BENCH_CHECKOUT_PAY_CONCURRENCY (64) winners at a time; a declined payment
//    (402 PAYMENT_DECLINED, the hold stays active) is paid again, each try a new
//    checkout with its own 20% chance, up to BENCH_CHECKOUT_ATTEMPTS (3) tries;
//    after the last decline the winner cancels the hold (DELETE
//    /api/reservations/:id), the compensation that puts the unit back.
// 3. Notifications: every sale queues an email and an SMS in the outbox in its
//    own transaction; the run waits until every one is sent (or
//    BENCH_CHECKOUT_DRAIN_TIMEOUT_SECONDS, 300, pass).
//
// Figures: sales per second (sales / first payment sent -> last sale answered),
// time until every winner's hold has ended, declines and their share of the
// payment attempts, outbox drained (from the database's own timestamps: last
// sent_at after the first and after the last sale), how long messages waited
// for the relay and for delivery, messages received by each sink, and the CPU
// of server, PostgreSQL, harness and sinks while paying, then while draining. Checked
// afterwards in the database: the stock invariant, sold = purchases = tickets,
// no checkout left processing, no charge voided (a decline charges nothing),
// every winner's hold ended, every message sent once.
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ask } from "../lib/child-process.mjs";
import { activeHolds, holdBurst } from "../lib/holds.mjs";
import { answerCode, countInto, createClient, latencySummary, runPool } from "../lib/http.mjs";
import { track } from "../lib/stack.mjs";

const sinkScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "../lib/notification-sinks.mjs");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const r2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 100) / 100);
const seconds = (ms) => r2(ms / 1000);

export default async function ticketdropCheckout(ctx) {
  const {
    checkoutShoppers: shoppers,
    checkoutStock: stock,
    checkoutConnections: connections,
    checkoutPayConcurrency: payConcurrency,
    checkoutAttempts: maxAttempts,
    checkoutDrainTimeoutSeconds: drainTimeoutSeconds,
  } = ctx.settings;
  const p = ctx.processes;
  const sinks = track(ctx.stack, fork(sinkScript, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  let payClient;
  let contactsSet = false;
  try {
    const ready = await new Promise((resolve, reject) => {
      sinks.once("message", resolve);
      sinks.once("exit", (code) => reject(new Error(`notification sinks exited (${code}) before listening`)));
    });
    const env = {
      PAYMENT_DECLINE_RATE: process.env.PAYMENT_DECLINE_RATE ?? "0.2",
      SMTP_URL: ready.smtpUrl,
      SMS_PROVIDER: "webhook",
      SMS_WEBHOOK_URL: ready.smsUrl,
    };
    // BENCH_CHECKOUT_STATEMENTS=1 (a diagnosis, not for recorded figures): PostgreSQL restarted with
    // pg_stat_statements, and the top statements of the payment window reported.
    const statements = process.env.BENCH_CHECKOUT_STATEMENTS === "1";
    if (statements) {
      await ctx.restart({ processes: p, database: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all" } });
      await ctx.db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }
    await ctx.startServer(p, [], env);
    await warmUp(ctx);

    await ctx.shoppers.ensure(shoppers);
    await setContacts(ctx.db, ctx.shoppers.ids.slice(0, shoppers));
    contactsSet = true;
    const drop = await ctx.createDrop({ name: "Ticket drop, paid", totalStock: stock, holdSeconds: 3600, maxPerUser: 1 });
    const expected = Math.min(stock, shoppers);

    // 1. Holds.
    const winners = [];
    const run = await holdBurst(ctx, {
      dropId: drop.id,
      count: shoppers,
      connections,
      clientPids: [sinks.pid],
      onAnswer(r, i) {
        if (r.status === 201) winners.push({ shopper: i, reservationId: r.body.reservation.id });
      },
    });
    await ctx.checkInvariant([drop.id]);
    const held = await activeHolds(ctx.db, drop.id);
    if (run.granted !== expected || held !== expected || winners.length !== expected) {
      throw new Error(`ticketdrop-checkout: ${run.granted} holds granted (201), ${held} active in the database; expected exactly ${expected}`);
    }

    // 2. Payments, untimed set-up first (connections opened).
    payClient = createClient(ctx.url, payConcurrency);
    await payClient.warm();
    const tokens = ctx.shoppers.tokens;
    const codes = { purchase: {}, cancel: {}, poll: {} };
    const payLatencies = [];
    let attempts = 0;
    let declines = 0;
    let processingAnswers = 0;
    let serverErrors = 0;
    const outcomes = new Array(winners.length); // { kind: "sold" | "cancelled" | "unknown", attempts, at }
    if (statements) await ctx.db.query("SELECT pg_stat_statements_reset()");
    const meter = ctx.cpuMeter([sinks.pid]);
    const payStarted = performance.now();
    const note = (bucket, r) => {
      countInto(codes[bucket], answerCode(r));
      if (r.status >= 500) serverErrors++;
    };
    const request = async (bucket, method, url, token, body) => {
      try {
        const r = await payClient.request(method, url, { token, body });
        note(bucket, r);
        return r;
      } catch (error) {
        countInto(codes[bucket], `network ${error.code ?? error.message}`);
        serverErrors++;
        return undefined;
      }
    };
    await runPool(winners.length, payConcurrency, async (k) => {
      const { shopper, reservationId } = winners[k];
      const token = tokens[shopper];
      const body = JSON.stringify({ reservationId, payment: { method: "sim_ok" } });
      let tries = 0;
      while (tries < maxAttempts) {
        tries++;
        attempts++;
        let r = await request("purchase", "POST", "/api/purchases", token, body);
        if (r) payLatencies.push(r.ms);
        // 202: the payment outlived PAYMENT_TIMEOUT_MS and goes on in the background; its end is polled for.
        if (r?.status === 202) {
          processingAnswers++;
          const id = r.body.purchase.id;
          while (r?.status === 202 || (r?.status === 200 && r.body.purchase.status === "processing")) {
            await sleep(100);
            r = await request("poll", "GET", `/api/purchases/${id}`, token);
          }
          if (r?.status === 200 && r.body.purchase.status === "completed") r = { ...r, status: 201 };
          else if (r?.status === 200 && r.body.purchase.status === "failed") r = { ...r, status: 402, body: { error: "PAYMENT_DECLINED" } };
        }
        if (r?.status === 201) {
          outcomes[k] = { kind: "sold", attempts: tries, at: performance.now() };
          return;
        }
        if (r?.status === 402 && r.body?.error === "PAYMENT_DECLINED") declines++;
        // Anything else (a 5xx, a network error) also used up a try: it is counted in the codes.
      }
      const c = await request("cancel", "DELETE", `/api/reservations/${reservationId}`, token);
      outcomes[k] = { kind: c?.status === 200 ? "cancelled" : "unknown", attempts: tries, at: performance.now() };
    });
    const allEndedAt = performance.now();
    const payCpu = meter.end();
    const drainMeter = ctx.cpuMeter([sinks.pid]);
    const payStatements = statements ? await topStatements(ctx.db) : undefined;
    const sold = outcomes.filter((o) => o.kind === "sold");
    const cancelled = outcomes.filter((o) => o.kind === "cancelled").length;
    const unknown = outcomes.filter((o) => o.kind === "unknown").length;
    const lastSaleAt = Math.max(...sold.map((o) => o.at));
    const firstSaleAt = Math.min(...sold.map((o) => o.at));

    // 3. Notifications: poll the outbox until every message of these holds has ended.
    const reservationIds = winners.map((w) => w.reservationId);
    const expectedMessages = 2 * sold.length;
    let outbox;
    let drainedAt = null;
    const drainDeadline = performance.now() + drainTimeoutSeconds * 1000;
    for (;;) {
      outbox = await outboxCounts(ctx.db, reservationIds);
      if (outbox.queued >= expectedMessages && outbox.sent + outbox.failed === outbox.queued) {
        drainedAt = performance.now();
        break;
      }
      if (performance.now() > drainDeadline) break;
      await sleep(50);
    }
    const drainCpu = drainMeter.end();
    // A copy sent after a timed-out attempt would arrive late: give it a moment before counting.
    await sleep(1000);
    const received = await ask(sinks, { cmd: "counts" }, "counts");

    // 4. Checks in the database.
    await ctx.checkInvariant([drop.id]);
    const facts = await databaseFacts(ctx.db, drop.id, reservationIds);
    const problems = [];
    if (facts.drop.sold_stock !== sold.length) problems.push(`sold_stock ${facts.drop.sold_stock} != ${sold.length} sales answered 201`);
    if (facts.purchases.units !== facts.drop.sold_stock || facts.purchases.n !== sold.length) problems.push(`purchases ${facts.purchases.n} (${facts.purchases.units} units) != sold ${facts.drop.sold_stock}`);
    if (facts.tickets !== facts.purchases.units) problems.push(`tickets ${facts.tickets} != units sold ${facts.purchases.units}`);
    if ((facts.checkouts.processing ?? 0) > 0) problems.push(`${facts.checkouts.processing} checkout(s) still processing`);
    if ((facts.reservations.active ?? 0) > 0) problems.push(`${facts.reservations.active} winner hold(s) still active`);
    if (problems.length > 0) throw new Error(`ticketdrop-checkout: ${problems.join("; ")}`);

    const payment = {
      winners: winners.length,
      concurrency: payConcurrency,
      maxAttempts,
      attempts,
      declines,
      declineShare: r2((declines / attempts) * 100),
      sold: sold.length,
      cancelledAfterDeclines: cancelled,
      unknown,
      answeredProcessing: processingAnswers,
      attemptsOfSales: countBy(sold.map((o) => o.attempts)),
      salesPerSecond: Math.round(sold.length / ((lastSaleAt - payStarted) / 1000)),
      firstSaleSeconds: seconds(firstSaleAt - payStarted),
      lastSaleSeconds: seconds(lastSaleAt - payStarted),
      allEndedSeconds: seconds(allEndedAt - payStarted),
      allEndedFromBurstSeconds: seconds(allEndedAt - (run.startedAt - performance.timeOrigin)),
      purchaseLatencyMs: latencySummary(payLatencies),
      codes,
      serverErrors,
    };
    const notifications = {
      expected: expectedMessages,
      ...outbox,
      drained: drainedAt !== null,
      drainedSecondsAfterLastSaleAnswer: drainedAt === null ? null : seconds(drainedAt - lastSaleAt),
      received: { email: received.email, sms: received.sms },
      timings: facts.outboxTimings,
    };
    const database = {
      drop: facts.drop,
      purchases: facts.purchases,
      tickets: facts.tickets,
      reservations: facts.reservations,
      checkouts: facts.checkouts,
      charges: facts.charges,
      voided: facts.voided,
      holdEvents: facts.holdEvents,
    };
    const allErrors = run.serverErrors + serverErrors;
    const deliveredOnce =
      received.email.duplicates === 0 &&
      received.sms.duplicates === 0 &&
      received.email.received === outbox.sentEmail &&
      received.sms.received === outbox.sentSms &&
      outbox.maxAttempts <= 1;
    const t = facts.outboxTimings;
    const details = { processes: p, serverEnv: { ...env, SMTP_URL: "smtp://127.0.0.1 (sink)", SMS_WEBHOOK_URL: "http://127.0.0.1/sms (sink)" }, holds: holdsSummary(run), payment, notifications, database, cpu: { paying: payCpu, draining: drainCpu }, payStatements };
    return {
      rows: [{ scenario: "ticketdrop-checkout", setup: `${shoppers} shoppers, ${stock} units, ${connections} conns (holds)`, connections, ...run, perSecond: null }],
      details,
      targets: [
        { target: "ticketdrop-checkout: every winner's outcome known (sold, or cancelled after the last decline)", processes: p, value: `${sold.length} sold + ${cancelled} cancelled of ${winners.length} in ${payment.allEndedSeconds} s`, met: sold.length + cancelled === winners.length },
        { target: "ticketdrop-checkout: sold = purchases = tickets, none processing, none voided", processes: p, value: `${facts.drop.sold_stock} = ${facts.purchases.n} = ${facts.tickets}, ${facts.checkouts.processing ?? 0}, ${facts.voided}`, met: facts.voided === 0 },
        { target: "ticketdrop-checkout: outbox drained (every message sent)", processes: p, value: drainedAt === null ? `not within ${drainTimeoutSeconds} s: ${outbox.sent} of ${outbox.queued} sent` : `${outbox.sent} of ${outbox.queued} sent, ${t.drainFromLastSaleSeconds} s after the last sale`, met: drainedAt !== null && outbox.failed === 0 && outbox.queued === expectedMessages },
        { target: "ticketdrop-checkout: each message delivered exactly once", processes: p, value: `email ${received.email.received} received / ${outbox.sentEmail} sent, SMS ${received.sms.received} / ${outbox.sentSms}, duplicates ${received.email.duplicates + received.sms.duplicates}`, met: deliveredOnce },
        { target: "ticketdrop-checkout: zero 5xx / network errors", processes: p, value: String(allErrors), met: allErrors === 0 },
      ],
    };
  } finally {
    payClient?.close();
    if (contactsSet) {
      await ctx.db.query(`UPDATE users SET email = NULL, phone = NULL, pending_email = NULL, pending_phone = NULL WHERE id = ANY($1::uuid[])`, [ctx.shoppers.ids.slice(0, shoppers)]);
    }
    sinks.kill();
  }
}

/** Untimed, after the restart: holds and a few payments, so the measured sections do not pay for a cold server. */
async function warmUp(ctx) {
  const count = ctx.settings.warmupHolds;
  if (count === 0) return;
  const drop = await ctx.createDrop({ name: "Warm-up, paid", totalStock: count, holdSeconds: 3600 });
  const held = [];
  await holdBurst(ctx, {
    dropId: drop.id,
    count,
    connections: 64,
    onAnswer(r, i) {
      if (r.status === 201) held.push({ shopper: i, reservationId: r.body.reservation.id });
    },
  });
  const client = createClient(ctx.url, 64);
  try {
    await runPool(Math.min(held.length, 500), 64, async (k) => {
      await client.request("POST", "/api/purchases", { token: ctx.shoppers.tokens[held[k].shopper], body: { reservationId: held[k].reservationId, payment: { method: "sim_ok" } } });
    });
  } finally {
    client.close();
  }
  await ctx.checkInvariant([drop.id]);
}

/**
 * A confirmed email and phone for each shopper (straight into the table: preparation, not what is
 * measured). users.email / users.phone hold confirmed addresses only; an unconfirmed one would wait
 * in pending_email / pending_phone and get nothing but its code.
 */
async function setContacts(db, ids) {
  for (let from = 0; from < ids.length; from += 10_000) {
    await db.query(
      `UPDATE users SET email = 'shopper' || t.n || '@bench.dropline.test', phone = '+1555' || lpad(t.n::text, 7, '0'), pending_email = NULL, pending_phone = NULL
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n) WHERE users.id = t.id`,
      [ids.slice(from, from + 10_000)],
    );
  }
}

async function outboxCounts(db, reservationIds) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS queued,
            count(*) FILTER (WHERE dispatched_at IS NOT NULL)::int AS dispatched,
            count(*) FILTER (WHERE status = 'sent')::int AS sent,
            count(*) FILTER (WHERE status = 'sent' AND channel = 'email')::int AS "sentEmail",
            count(*) FILTER (WHERE status = 'sent' AND channel = 'sms')::int AS "sentSms",
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            coalesce(max(attempts), 0)::int AS "maxAttempts"
     FROM outbox_messages WHERE reservation_id = ANY($1::uuid[])`,
    [reservationIds],
  );
  return rows[0];
}

/** What the database says happened, all of it for this drop's holds only. */
async function databaseFacts(db, dropId, reservationIds) {
  const one = async (sql, params) => (await db.query(sql, params)).rows[0];
  const byKey = async (sql, params) => Object.fromEntries((await db.query(sql, params)).rows.map((r) => [r.k, r.n]));
  const drop = await one(`SELECT total_stock, held_stock, sold_stock FROM drops WHERE id = $1`, [dropId]);
  const purchases = await one(`SELECT count(*)::int AS n, coalesce(sum(quantity), 0)::int AS units FROM purchases WHERE drop_id = $1`, [dropId]);
  const tickets = (await one(`SELECT count(*)::int AS n FROM tickets WHERE drop_id = $1`, [dropId])).n;
  const reservations = await byKey(`SELECT status::text AS k, count(*)::int AS n FROM reservations WHERE drop_id = $1 GROUP BY 1`, [dropId]);
  const checkouts = await byKey(`SELECT status::text AS k, count(*)::int AS n FROM checkouts WHERE drop_id = $1 GROUP BY 1`, [dropId]);
  const charges = await byKey(
    `SELECT sc.status AS k, count(*)::int AS n FROM checkouts c JOIN simulated_charges sc ON sc.idempotency_key = c.id::text || ':charge' WHERE c.drop_id = $1 GROUP BY 1`,
    [dropId],
  );
  const voided = (await one(`SELECT count(*)::int AS n FROM checkouts WHERE drop_id = $1 AND voided_at IS NOT NULL`, [dropId])).n;
  const holdEvents = await byKey(`SELECT type AS k, count(*)::int AS n FROM hold_events WHERE reservation_id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1`, [reservationIds]);
  // The database's own clock for every moment of a message: no skew between harness and server.
  const ms = (expr) => `round((extract(epoch FROM ${expr}) * 1000)::numeric, 0)::float8`;
  const timings = await one(
    `WITH m AS (SELECT * FROM outbox_messages WHERE reservation_id = ANY($1::uuid[])),
          s AS (SELECT min(created_at) AS first_sale, max(created_at) AS last_sale FROM purchases WHERE drop_id = $2)
     SELECT ${ms("(SELECT max(sent_at) FROM m) - s.first_sale")} AS "fromFirstSale",
            ${ms("(SELECT max(sent_at) FROM m) - s.last_sale")} AS "fromLastSale",
            ${ms("s.last_sale - s.first_sale")} AS "salesSpan",
            ${ms("(SELECT max(sent_at) - min(dispatched_at) FROM m)")} AS "deliverySpan",
            (SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM dispatched_at - created_at) * 1000) FROM m) AS "relayWaitMs",
            (SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - dispatched_at) * 1000) FROM m) AS "deliveryWaitMs",
            (SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at) * 1000) FROM m) AS "queuedToSentMs",
            (SELECT count(*) FROM m WHERE status = 'sent')::int AS sent
     FROM s`,
    [reservationIds, dropId],
  );
  const pair = (a) => (a ? a.map((x) => Math.round(x)) : null);
  const outboxTimings = {
    drainFromFirstSaleSeconds: seconds(timings.fromFirstSale),
    drainFromLastSaleSeconds: seconds(timings.fromLastSale),
    salesSpanSeconds: seconds(timings.salesSpan),
    deliveriesPerSecond: timings.deliverySpan > 0 ? Math.round((timings.sent / timings.deliverySpan) * 1000) : null,
    relayWaitMsP50P99: pair(timings.relayWaitMs),
    deliveryWaitMsP50P99: pair(timings.deliveryWaitMs),
    queuedToSentMsP50P99: pair(timings.queuedToSentMs),
  };
  return { drop, purchases, tickets, reservations, checkouts, charges, voided, holdEvents, outboxTimings };
}

/** The statements PostgreSQL spent most time on (nested ones counted inside their callers too). */
async function topStatements(db) {
  const { rows } = await db.query(
    `SELECT calls::int, round(total_exec_time::numeric, 1)::float8 AS total_ms, round(mean_exec_time::numeric, 3)::float8 AS mean_ms,
            left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query
     FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat%' ORDER BY total_exec_time DESC LIMIT 15`,
  );
  return rows;
}

function holdsSummary(run) {
  return { requests: run.requests, granted: run.granted, wallSeconds: run.wallSeconds, answersPerSecond: run.answersPerSecond, p50ms: run.p50ms, p99ms: run.p99ms, maxms: run.maxms, codes: run.codes, serverErrors: run.serverErrors };
}

function countBy(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
