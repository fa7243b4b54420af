// ticketdrop-queue: the ticketdrop crowd (50,000 prepared shoppers, 500 units,
// maxPerUser 1) on a drop with a waiting room. The line opens
// BENCH_QUEUE_OPEN_BEFORE_MS (1,500) before startsAt and every shopper joins
// once (POST /api/drops/:id/queue) from the moment it opens, so the first part
// of the crowd lands in the pre-queue (drawn at the start) and the rest joins
// after the start and takes the next numbers. The server admits in number
// order (admitPerSecond BENCH_QUEUE_ADMIT_PER_SECOND, 500); admitted shoppers
// reserve (POST /api/reservations) and buy (POST /api/purchases). When all 500
// are sold the line closes and everyone still waiting is sold out.
//
// How shoppers learn their outcome:
// - a sample of BENCH_QUEUE_SOCKETS (2,000) shoppers, spread evenly over the
//   crowd, hold real Socket.IO connections opened with their token (in a child
//   process, bench/lib/queue-sockets.mjs): `queueAdmitted` makes them reserve
//   and buy at once; the `queueUpdated` with state `closed` is their sold-out.
// - everyone else acts through their join answer and polls: one socket (the
//   observer, no token) hears `queueUpdated`; once `admittedThrough` reaches a
//   shopper's number the driver polls GET /queue/me for that shopper and, if
//   admitted, reserves and buys. A shopper who joined the pre-queue has no
//   number yet: the driver polls once for each when the line leaves
//   `pre_queue` (the draw). The rest count as knowing their outcome when the
//   observer hears `closed` (their page would hear the same broadcast).
// - a join answered 409 QUEUE_CLOSED is an outcome (sold out) at once.
//
// Figures: time from startsAt until every shopper knows their outcome (the
// last of: hold answers, closed broadcasts, closed join answers), the moments
// in between (draw, 500th admission, hold, purchase, close), join latency,
// whether holds followed the line's order (inversions, defined below), codes
// of every request, and the CPU of server, PostgreSQL, harness and socket
// process. Checked afterwards in the database: 500 holds, all bought,
// sold_stock 500, the stock invariant, every entry done or sold_out, and the
// numbers a permutation of 1..N.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { answerCode, clockSkewMs, countInto, createClient, latencySummary, runPool, wallNow } from "../lib/http.mjs";
import { activitySampler } from "../lib/pg-activity.mjs";
import { queueSummary } from "../lib/queue-report.mjs";
import { ask, forkSocketProcess } from "../lib/child-process.mjs";

/** Statements of each part of the work, as pg_stat_activity shows them. */
const STATEMENT_KINDS = [
  ["join", /dropline_join_queue/],
  ["hold", /dropline_take_hold/],
  ["purchase", /dropline_complete_purchase|FROM reservations r|FROM purchases p JOIN users/],
  ["admission tick", /dropline_queue_tick|FROM drop_queues q JOIN drops d ON d.id = q.drop_id WHERE q.closed_at/],
  ["draw", /status = 'pre_queue'|unnest\(\$2::uuid\[\]\) WITH ORDINALITY|FOR UPDATE OF q|dropline_start_line_numbers|shuffled_at = clock_timestamp/],
  ["poll (queue/me)", /FROM queue_entries e JOIN drop_queues q/],
  ["socket.io adapter", /socket_io_attachments|NOTIFY|LISTEN/],
  ["transaction control", /^\s*(BEGIN|COMMIT|ROLLBACK)/i],
];

const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "../lib/queue-sockets.mjs");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const r2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 100) / 100);
const seconds = (ms) => r2(ms / 1000);

export default async function ticketdropQueue(ctx) {
  const {
    queueShoppers: shoppers,
    queueStock: stock,
    queueConnections: connections,
    queueSockets: socketCount,
    queueAdmitPerSecond: admitPerSecond,
    queueOpenBeforeMs: openBeforeMs,
    queueTimeoutSeconds: timeoutSeconds,
  } = ctx.settings;
  const p = ctx.processes;
  // BENCH_QUEUE_STATEMENTS=1 (a diagnosis, not for recorded figures): PostgreSQL restarted with
  // pg_stat_statements (track = all, so the statements inside the join and tick functions are
  // counted too), and the server with it; the top statements of the timed window are reported.
  const statements = process.env.BENCH_QUEUE_STATEMENTS === "1";
  if (statements) {
    await ctx.restart({ processes: p, database: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all" } });
    await ctx.db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  }
  await ctx.shoppers.ensure(shoppers);
  const tokens = ctx.shoppers.tokens;

  // The sample with sockets: every k-th shopper, so it spans the pre-queue and the later joiners.
  const every = Math.max(1, Math.floor(shoppers / Math.max(1, socketCount)));
  const sampled = [];
  for (let i = 0; i < shoppers && sampled.length < socketCount; i += every) sampled.push(i);

  const child = forkSocketProcess(ctx.stack, childScript);
  const joinClient = createClient(ctx.url, connections);
  // Every shopper has a browser of their own, so nothing a shopper does may wait in the harness
  // behind someone else's request: the polls at the draw (one per pre-queue shopper without a
  // socket) and the admitted shoppers' polls, holds and purchases get connections of their own,
  // as many as can be in flight at once (the largest number seen is reported).
  const pollConnections = 2048;
  const actConnections = stock + 100;
  const pollClient = createClient(ctx.url, pollConnections);
  const actClient = createClient(ctx.url, actConnections);
  try {
    const connectStarted = performance.now();
    const connectedMsg = await ask(child, { cmd: "connect", url: ctx.url, tokens: sampled.map((i) => tokens[i]) }, "connected");
    const connectSeconds = seconds(performance.now() - connectStarted);
    if (!connectedMsg.observer) throw new Error(`ticketdrop-queue: the observer socket did not connect (${JSON.stringify(connectedMsg.failures)})`);
    // A sampled shopper whose socket did not connect is driven like everyone else.
    const hasSocket = new Uint8Array(shoppers);
    for (let k = 0; k < sampled.length; k++) if (connectedMsg.connectedSlots[k]) hasSocket[sampled[k]] = 1;
    const socketsConnected = connectedMsg.connected;

    await ctx.beforeTimed();
    await Promise.all([joinClient.warm(), pollClient.warm(), actClient.warm()]);

    // The drop, created now so that its line opens a moment from now (the quiet wait above takes
    // an unknown time). Decisions are made on the database's clock; on one machine it is this one.
    const opensAtMs = Date.now() + 1500;
    const startsAtMs = opensAtMs + openBeforeMs;
    const drop = await ctx.createDrop({
      name: "Ticket drop with a waiting room",
      totalStock: stock,
      holdSeconds: 3600,
      maxPerUser: 1,
      startsAt: new Date(startsAtMs).toISOString(),
      queue: { admitPerSecond, admissionSeconds: 120, opensAt: new Date(opensAtMs).toISOString() },
    });
    const dropId = drop.id;
    await ask(child, { cmd: "drop", dropId }, "drop");
    const skew = clockSkewMs();
    const opensAt = opensAtMs + skew; // on wallNow()'s clock
    const startsAt = startsAtMs + skew;

    // Per shopper.
    const joinStatus = new Int16Array(shoppers); // HTTP status of the join (0: none)
    const joinAt = new Float64Array(shoppers);
    const joinLatency = new Float64Array(shoppers).fill(NaN);
    const holdAt = new Float64Array(shoppers);
    const soldOutAt = new Float64Array(shoppers); // a poll answered status sold_out
    const closedJoin = new Uint8Array(shoppers); // join answered 409 QUEUE_CLOSED
    const acting = new Uint8Array(shoppers);
    const admittedSignalAt = new Float64Array(shoppers); // queueAdmitted arrival, or the poll that found the admission
    const codes = {};
    const joinTimeline = []; // joins answered per second from the opening: [2xx, 4xx, 5xx/network]
    const holdLatencies = [];
    const buyLatencies = [];
    let serverErrors = 0;
    let joinsAnswered = 0;
    let notOpenRetries = 0;
    let polls = 0;
    let repolls = 0;
    let inflight = 0;
    const busy = { poll: 0, act: 0, maxPoll: 0, maxAct: 0 };
    const using = (kind, delta) => {
      busy[kind] += delta;
      if (kind === "poll") busy.maxPoll = Math.max(busy.maxPoll, busy.poll);
      else busy.maxAct = Math.max(busy.maxAct, busy.act);
    };
    let holds = 0;
    let purchases = 0;
    let lastHoldAt = 0;
    let lastPurchaseAt = 0;
    let joinsDoneAt = 0;

    // The line as the observer hears it.
    const updates = [];
    let through = 0;
    let drawSeenAt = 0;
    let closedSeenAt = 0;
    const byNumber = new Map(); // number -> shopper waiting for admittedThrough to reach it (no socket)
    const preQueue = []; // shoppers without a socket told pre_queue before the draw was heard

    const tally = (kind, r) => {
      const code = `${kind} ${answerCode(r)}`;
      countInto(codes, code);
      if (r.status >= 500) serverErrors++;
    };
    const failed = (kind, error) => {
      countInto(codes, `${kind} network ${error.code ?? error.message}`);
      serverErrors++;
    };
    // A 5xx or a lost connection is counted, then asked again as a shopper would (every 500 ms, up
    // to 20 times): a purchase that failed this way must not leave its unit held for an hour and
    // the line open. Latency is from the first attempt to the last answer.
    const retries = {};
    async function call(kind, client, method, path, opts, onAnswer) {
      const started = wallNow();
      for (let attempt = 1; ; attempt++) {
        let r;
        try {
          r = await client.request(method, path, opts);
          tally(kind, r);
          onAnswer?.(r);
        } catch (error) {
          failed(kind, error);
          onAnswer?.({ status: 0 });
        }
        if (r && r.status < 500) return { ...r, ms: r.at - started };
        if (attempt === 20) return { status: 0, body: undefined, at: wallNow(), ms: wallNow() - started };
        countInto(retries, kind);
        await sleep(500);
      }
    }
    const tick = (slot) => {
      const second = Math.max(0, Math.floor((wallNow() - opensAt) / 1000));
      while (joinTimeline.length <= second) joinTimeline.push([0, 0, 0]);
      joinTimeline[second][slot]++;
    };

    /** Reserve, then buy. */
    async function act(i) {
      if (acting[i]) return;
      acting[i] = 1;
      inflight++;
      using("act", 1);
      try {
        const hold = await call("hold", actClient, "POST", "/api/reservations", { token: tokens[i], body: { dropId } });
        holdLatencies.push(hold.ms);
        if (hold.status !== 201 && hold.status !== 200) return;
        holds++;
        if (holds === stock) activity.untilLastHold = sampler.take();
        holdAt[i] = hold.at;
        lastHoldAt = Math.max(lastHoldAt, hold.at);
        // Payment: the mock gateway approves every charge (declines come with a later issue).
        const buy = await call("buy", actClient, "POST", "/api/purchases", { token: tokens[i], body: { reservationId: hold.body.reservation.id } });
        buyLatencies.push(buy.ms);
        // 200: bought already, by an earlier attempt whose answer was lost or a 5xx.
        if (buy.status === 201 || buy.status === 200) {
          purchases++;
          lastPurchaseAt = Math.max(lastPurchaseAt, buy.at);
        }
      } catch (error) {
        failed("hold/buy", error);
      } finally {
        inflight--;
        using("act", -1);
      }
    }

    /** GET /queue/me for a shopper without a socket; acts on what it says. */
    async function poll(i, admission = false) {
      if (acting[i] || holdAt[i] || soldOutAt[i]) return;
      polls++;
      inflight++;
      // A poll because admission reached the shopper's number goes with their hold and purchase.
      const kind = admission ? "act" : "poll";
      using(kind, 1);
      try {
        const r = await call("poll", admission ? actClient : pollClient, "GET", `/api/drops/${dropId}/queue/me`, { token: tokens[i] });
        if (r.status !== 200) return;
        const e = r.body;
        if (e.status === "admitted") {
          admittedSignalAt[i] = r.at;
          void act(i);
        } else if (e.status === "sold_out") {
          soldOutAt[i] = r.at;
        } else if (e.status === "waiting" || e.status === "pre_queue") {
          if (e.status === "waiting" && e.number > through) byNumber.set(e.number, i);
          else if (!closedSeenAt) {
            // Not drawn yet, or admittedThrough already passed it: ask again shortly.
            repolls++;
            setTimeout(() => void poll(i, e.status === "waiting"), 100);
          }
        }
      } catch (error) {
        failed("poll", error);
      } finally {
        inflight--;
        using(kind, -1);
      }
    }

    const childSkew = { ms: 0 };
    const fromChild = (at) => at - childSkew.ms + skew;
    child.on("message", (m) => {
      if (m.type === "admitted") {
        const i = sampled[m.slot];
        if (!admittedSignalAt[i]) admittedSignalAt[i] = fromChild(m.at);
        void act(i);
      } else if (m.type === "queueUpdated") {
        const at = fromChild(m.at);
        const u = m.payload;
        updates.push({ ms: Math.round(at - startsAt), state: u.state, admittedThrough: u.admittedThrough, length: u.length });
        if (!drawSeenAt && u.state !== "pre_queue" && u.state !== "not_open" && at >= startsAt - 50) {
          drawSeenAt = at;
          for (const i of preQueue.splice(0)) void poll(i);
        }
        if (u.admittedThrough > through) {
          for (let n = through + 1; n <= u.admittedThrough; n++) {
            const i = byNumber.get(n);
            if (i === undefined) continue;
            byNumber.delete(n);
            void poll(i, true);
          }
          through = u.admittedThrough;
        }
        if (u.state === "closed" && !closedSeenAt) closedSeenAt = at;
      }
    });
    childSkew.ms = (await ask(child, { cmd: "report" }, "report")).clockSkewMs;

    // Untimed until here. The crowd joins from the opening on.
    await sleep(Math.max(0, opensAt - wallNow() + 20));
    if (statements) await ctx.db.query("SELECT pg_stat_statements_reset()");
    const sampler = activitySampler(ctx.databaseUrl, { everyMs: 50, kinds: STATEMENT_KINDS });
    const activity = {};
    const meter = ctx.cpuMeter([child.pid]);
    const cpuTimeline = [];
    let slice = ctx.cpuMeter([child.pid]);
    const slicer = setInterval(() => {
      const c = slice.end();
      slice = ctx.cpuMeter([child.pid]);
      cpuTimeline.push([c.server, c.postgres, c.harness, c.clients]);
    }, 1000);
    const joinsStarted = wallNow();
    const body = JSON.stringify({});
    const joinOne = async (i) => {
      const r = await call("join", joinClient, "POST", `/api/drops/${dropId}/queue`, { token: tokens[i], body }, (a) => tick(a.status === 0 ? 2 : a.status < 300 ? 0 : a.status < 500 ? 1 : 2));
      if (r.status === 409 && r.body?.error === "QUEUE_NOT_OPEN") {
        // Sent a hair before the database's clock reached opensAt: ask again, as a page would.
        notOpenRetries++;
        await sleep(20);
        return joinOne(i);
      }
      joinsAnswered++;
      joinStatus[i] = r.status;
      joinAt[i] = r.at;
      joinLatency[i] = r.ms;
      if (r.status === 409 && r.body?.error === "QUEUE_CLOSED") {
        closedJoin[i] = 1;
        return;
      }
      if (r.status !== 201 && r.status !== 200) return;
      const e = r.body;
      if (hasSocket[i]) return; // their socket tells them
      if (e.status === "pre_queue") {
        if (drawSeenAt) void poll(i);
        else preQueue.push(i);
      } else if (e.status === "waiting") {
        if (e.number <= through) void poll(i, true);
        else byNumber.set(e.number, i);
      } else if (e.status === "admitted") {
        admittedSignalAt[i] = r.at;
        void act(i);
      } else if (e.status === "sold_out") {
        soldOutAt[i] = r.at;
      }
    };
    // Joins run alongside the admissions they cause; the wait below runs until everything is known.
    const joins = runPool(shoppers, connections, joinOne).then(() => (joinsDoneAt = wallNow()));

    const deadline = startsAt + timeoutSeconds * 1000;
    let socketsClosed = 0;
    for (;;) {
      await sleep(100);
      if (closedSeenAt && joinsDoneAt && inflight === 0) {
        socketsClosed = (await ask(child, { cmd: "progress" }, "progress")).closedSeen;
        if (socketsClosed >= socketsConnected) break;
      }
      if (wallNow() > deadline) break;
    }
    const timedOut = wallNow() > deadline;
    const cpu = meter.end();
    clearInterval(slicer);
    activity[activity.untilLastHold ? "afterLastHold" : "whole"] = sampler.take();
    await sampler.stop();
    const topStatements = statements
      ? (
          await ctx.db.query(
            `SELECT calls::int, round(total_exec_time::numeric, 1)::float8 AS total_ms, round(mean_exec_time::numeric, 3)::float8 AS mean_ms,
                    left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query
             FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat%' ORDER BY total_exec_time DESC LIMIT 15`,
          )
        ).rows
      : null;
    await joins;
    const report = await ask(child, { cmd: "report" }, "report");
    childSkew.ms = report.clockSkewMs;

    // When each shopper knew their outcome (wallNow() ms; 0: never).
    const knownAt = new Float64Array(shoppers);
    const socketClosedAt = new Float64Array(shoppers);
    for (let k = 0; k < sampled.length; k++) if (report.closedAt[k] > 0) socketClosedAt[sampled[k]] = fromChild(report.closedAt[k]);
    let unknown = 0;
    const knownBy = { hold: 0, closedJoin: 0, socketClosed: 0, observerClosed: 0, polledSoldOut: 0 };
    let lastKnown = 0;
    let lastKnownHow = "";
    for (let i = 0; i < shoppers; i++) {
      let at = 0;
      let how = "";
      if (holdAt[i]) [at, how] = [holdAt[i], "hold"];
      else if (closedJoin[i]) [at, how] = [joinAt[i], "closedJoin"];
      else if (joinStatus[i] === 201 || joinStatus[i] === 200) {
        const signal = hasSocket[i] ? socketClosedAt[i] : closedSeenAt;
        const candidates = [signal, soldOutAt[i]].filter((x) => x > 0);
        if (candidates.length > 0) {
          const first = Math.min(...candidates);
          at = Math.max(joinAt[i], first);
          how = soldOutAt[i] && soldOutAt[i] === first ? "polledSoldOut" : hasSocket[i] ? "socketClosed" : "observerClosed";
        }
      }
      if (!at) {
        unknown++;
        continue;
      }
      knownAt[i] = at;
      knownBy[how]++;
      if (at > lastKnown) [lastKnown, lastKnownHow] = [at, how];
    }
    const allKnownSeconds = unknown === 0 ? seconds(lastKnown - startsAt) : null;

    // The database's account.
    const db = ctx.db;
    const { rows: entryRows } = await db.query(
      `SELECT status::text AS status, count(*)::int AS n, count(number)::int AS numbered, count(DISTINCT number)::int AS distinct_numbers,
              min(number) AS min_number, max(number) AS max_number
       FROM queue_entries WHERE drop_id = $1::uuid GROUP BY status`,
      [dropId],
    );
    const entries = Object.fromEntries(entryRows.map((r) => [r.status, r.n]));
    const entryTotal = entryRows.reduce((s, r) => s + r.n, 0);
    const numbered = entryRows.reduce((s, r) => s + r.numbered, 0);
    const { rows: [numbers] } = await db.query(
      `SELECT count(DISTINCT number)::int AS distinct_numbers, min(number) AS min_number, max(number) AS max_number,
              count(*) FILTER (WHERE number IS NULL)::int AS unnumbered
       FROM queue_entries WHERE drop_id = $1::uuid`,
      [dropId],
    );
    const { rows: [dropRow] } = await db.query(`SELECT total_stock, held_stock, sold_stock FROM drops WHERE id = $1::uuid`, [dropId]);
    const { rows: [counts] } = await db.query(
      `SELECT (SELECT count(*)::int FROM reservations WHERE drop_id = $1::uuid) AS holds,
              (SELECT count(*)::int FROM reservations WHERE drop_id = $1::uuid AND status = 'completed') AS completed,
              (SELECT count(*)::int FROM purchases WHERE drop_id = $1::uuid) AS purchases,
              (SELECT count(*)::int FROM queue_entries WHERE drop_id = $1::uuid AND admitted_at IS NOT NULL) AS admitted,
              (SELECT closed_at IS NOT NULL FROM drop_queues WHERE drop_id = $1::uuid) AS closed,
              (SELECT shuffled_at FROM drop_queues WHERE drop_id = $1::uuid) AS shuffled_at,
              (SELECT closed_at FROM drop_queues WHERE drop_id = $1::uuid) AS closed_at,
              (SELECT count(*)::int FROM queue_entries WHERE drop_id = $1::uuid AND joined_at < (SELECT starts_at FROM drops WHERE id = $1::uuid)) AS pre_queue_joins`,
      [dropId],
    );
    // Order. An inversion is a pair (a, b) of entries with number(a) < number(b) where b's hold was
    // granted (reservations.created_at, the database's decision time) before a was admitted, or while
    // a was never admitted at all: b went ahead of someone in front of them in the line. The admitted
    // shopper's own speed (how soon they reserve once let in) cannot make one; only admission out of
    // number order, or a hold without admission, can.
    const { rows: [order] } = await db.query(
      `WITH admitted AS (
         SELECT number, admitted_at FROM queue_entries WHERE drop_id = $1::uuid AND admitted_at IS NOT NULL
       ), held AS (
         SELECT e.number, r.created_at AS held_at, e.admitted_at
         FROM reservations r JOIN queue_entries e ON e.drop_id = r.drop_id AND e.user_id = r.user_id
         WHERE r.drop_id = $1::uuid
       )
       SELECT
         (SELECT count(*) FROM held b JOIN queue_entries a ON a.drop_id = $1::uuid AND a.number < b.number
            AND (a.admitted_at IS NULL OR a.admitted_at > b.held_at))::int AS inversions,
         (SELECT count(*) FROM held WHERE admitted_at IS NULL OR admitted_at > held_at)::int AS holds_without_admission,
         (SELECT count(*) FROM admitted a JOIN admitted b ON a.number < b.number AND a.admitted_at > b.admitted_at)::int AS admissions_out_of_order,
         (SELECT count(*) FROM held a JOIN held b ON a.number < b.number AND a.held_at > b.held_at)::int AS holds_out_of_number_order,
         (SELECT max(number) FROM held) AS max_held_number,
         (SELECT extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY held_at - admitted_at)) * 1000 FROM held) AS admitted_to_held_p50_ms,
         (SELECT extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY held_at - admitted_at)) * 1000 FROM held) AS admitted_to_held_p99_ms,
         (SELECT extract(epoch FROM max(admitted_at)) * 1000 FROM queue_entries WHERE drop_id = $1::uuid) AS last_admitted_ms,
         (SELECT extract(epoch FROM max(held_at)) * 1000 FROM held) AS last_held_ms`,
      [dropId],
    );
    await ctx.checkInvariant([dropId]);

    // From the moment a holder heard of their admission (their socket's queueAdmitted, or the poll
    // that found it) to their hold's answer: what the hold path costs a shopper who was let in.
    const heard = { socket: [], polled: [] };
    for (let i = 0; i < shoppers; i++) if (holdAt[i] && admittedSignalAt[i]) heard[hasSocket[i] ? "socket" : "polled"].push(holdAt[i] - admittedSignalAt[i]);
    const joinLat = latencySummary(Array.from(joinLatency).filter((x) => !Number.isNaN(x)));
    const created = codes["join 201"] ?? 0;
    const closedJoins = codes["join 409 QUEUE_CLOSED"] ?? 0;
    const dbSkew = skew; // database timestamps are on Date.now()'s clock (same machine)
    const fromStart = (wall) => (wall ? seconds(wall - startsAt) : null);
    const fromStartDb = (epochMs) => (epochMs ? seconds(Number(epochMs) + dbSkew - startsAt) : null);
    const problems = [];
    if (holds !== stock || counts.holds !== stock) problems.push(`${holds} holds answered 201, ${counts.holds} in the database; expected ${stock}`);
    if (purchases !== stock || counts.purchases !== stock || counts.completed !== stock) problems.push(`${purchases} purchases answered 201, ${counts.purchases} in the database, ${counts.completed} holds completed; expected ${stock}`);
    if (dropRow.sold_stock !== stock || dropRow.held_stock !== 0) problems.push(`drop counters held ${dropRow.held_stock}, sold ${dropRow.sold_stock}; expected 0 and ${stock}`);
    const nonTerminal = entryRows.filter((r) => r.status !== "done" && r.status !== "sold_out");
    if (nonTerminal.length > 0) problems.push(`entries not done or sold_out: ${nonTerminal.map((r) => `${r.status} ${r.n}`).join(", ")}`);
    if ((entries.done ?? 0) !== stock) problems.push(`${entries.done ?? 0} entries done; expected ${stock}`);
    if (entryTotal !== created) problems.push(`${entryTotal} entries in the line but ${created} joins answered 201`);
    const permutation = numbers.unnumbered === 0 && numbers.distinct_numbers === entryTotal && numbers.min_number === 1 && numbers.max_number === entryTotal;
    if (!permutation) problems.push(`numbers are not a permutation of 1..${entryTotal}: ${JSON.stringify(numbers)}`);
    if (!counts.closed) problems.push("the line did not close");

    const details = {
      processes: p,
      shoppers,
      stock,
      admitPerSecond,
      openBeforeStartSeconds: openBeforeMs / 1000,
      joinConnections: connections,
      socketsSampled: sampled.length,
      socketsConnected,
      socketConnectSeconds: connectSeconds,
      socketConnectFailures: connectedMsg.failures,
      timedOut,
      allKnownSeconds,
      lastToKnow: lastKnownHow,
      unknownOutcomes: unknown,
      knownBy,
      moments: {
        firstJoinSentBeforeStart: seconds(startsAt - joinsStarted),
        drawHeard: fromStart(drawSeenAt),
        shuffledAt: counts.shuffled_at ? fromStartDb(counts.shuffled_at.getTime()) : null,
        lastAdmission: fromStartDb(order.last_admitted_ms),
        lastHoldDecided: fromStartDb(order.last_held_ms),
        lastHoldAnswered: fromStart(lastHoldAt),
        lastPurchaseAnswered: fromStart(lastPurchaseAt),
        closedAt: counts.closed_at ? fromStartDb(counts.closed_at.getTime()) : null,
        closedHeardByObserver: fromStart(closedSeenAt),
        lastSocketHeardClosed: fromStart(socketClosedAt.reduce((a, b) => Math.max(a, b), 0)),
        lastJoinAnswered: fromStart(joinsDoneAt),
      },
      joins: {
        answered: joinsAnswered,
        created,
        closed: closedJoins,
        intoPreQueue: counts.pre_queue_joins,
        notOpenRetries,
        answersPerSecond: Math.round(joinsAnswered / ((joinsDoneAt - joinsStarted) / 1000)),
        latencyMs: joinLat,
        createdLatencyMs: latencySummary(Array.from(joinLatency).filter((x, i) => !Number.isNaN(x) && joinStatus[i] === 201)),
      },
      polls,
      repolls,
      retriesAfter5xx: retries,
      harnessConnections: { join: connections, poll: pollConnections, act: actConnections, maxPollsInFlight: busy.maxPoll, maxActsInFlight: busy.maxAct },
      holds: {
        answered201: holds,
        latencyMs: latencySummary(holdLatencies),
        bySocket: heard.socket.length,
        byPoll: heard.polled.length,
        heardToHeldMs: { socket: latencySummary(heard.socket), polled: latencySummary(heard.polled) },
        admittedToHeldMs: { p50: r2(order.admitted_to_held_p50_ms), p99: r2(order.admitted_to_held_p99_ms) },
      },
      purchases: { answered201: purchases, latencyMs: latencySummary(buyLatencies) },
      order: {
        inversions: order.inversions,
        holdsWithoutAdmission: order.holds_without_admission,
        admissionsOutOfOrder: order.admissions_out_of_order,
        holdsOutOfNumberOrder: order.holds_out_of_number_order,
        admitted: counts.admitted,
        maxHeldNumber: order.max_held_number,
      },
      database: { entries, entryTotal, numbered, numbers, drop: dropRow, ...counts, shuffled_at: undefined, closed_at: undefined },
      permutation,
      problems,
      codes,
      cpuTimeline,
      postgresActivity: activity,
      postgresStatements: topStatements,
      updates,
      socketEvents: report.eventCounts,
      socketDisconnects: report.disconnects,
      socketProcessRssMb: report.rssMb,
    };
    if (problems.length > 0) {
      // What happened, before the run fails: the summary and every answer code.
      console.error(`${queueSummary({ [p]: details })}\n\nanswers: ${JSON.stringify(codes)}\nline as heard: ${JSON.stringify(updates)}`);
      throw Object.assign(new Error(`ticketdrop-queue: ${problems.join("; ")}`), { details });
    }
    const wall = seconds(wallNow() - joinsStarted);
    return {
      rows: [
        {
          scenario: "ticketdrop-queue",
          setup: `${shoppers} shoppers join, ${stock} units, queue opens ${openBeforeMs / 1000} s early, ${admitPerSecond}/s, ${connections} conns, ${socketsConnected} sockets`,
          connections,
          requests: joinsAnswered,
          granted: holds,
          perSecond: null,
          answersPerSecond: details.joins.answersPerSecond,
          wallSeconds: cpu.seconds.wall,
          ...joinLat,
          codes,
          serverErrors,
          cpu,
          cpuMs: { serverPerAnswer: Math.round((cpu.seconds.server * 1e6) / joinsAnswered) / 1000 },
          timeline: joinTimeline,
          startedAt: performance.timeOrigin + joinsStarted,
          allKnownSeconds,
          wall,
        },
      ],
      details,
      targets: [
        { target: "ticketdrop-queue: every outcome known <= 10 s after startsAt", processes: p, value: allKnownSeconds === null ? `${unknown} never knew` : `${allKnownSeconds} s`, met: allKnownSeconds !== null && allKnownSeconds <= 10 },
        { target: `ticketdrop-queue: exactly ${stock} holds (and purchases)`, processes: p, value: `${counts.holds} holds, ${counts.purchases} purchases`, met: counts.holds === stock && counts.purchases === stock },
        { target: "ticketdrop-queue: zero inversions (a hold granted before someone ahead was admitted)", processes: p, value: String(order.inversions), met: order.inversions === 0 },
        { target: "ticketdrop-queue: zero 5xx / network errors", processes: p, value: String(serverErrors), met: serverErrors === 0 },
      ],
    };
  } finally {
    joinClient.close();
    pollClient.close();
    actClient.close();
    if (child.connected) child.send({ cmd: "close" });
    if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once("exit", resolve));
  }
}
