// fanout: holds are taken on one drop at full speed for BENCH_FANOUT_SECONDS,
// first with no socket connected (the baseline), then on a new drop while
// BENCH_FANOUT_CLIENTS sockets (default 10,000; lean `ws` clients speaking
// Engine.IO v4 / Socket.IO v5, in BENCH_FANOUT_PROCS processes of their own)
// watch it. Measures hold throughput with watchers against none, how late
// stockUpdated arrives after the change commits, how many messages each socket
// gets per second, whether every socket ends on the last version, and the RSS
// of every server process.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { treeRssMb } from "../lib/cpu.mjs";
import { activeHolds, holdBurst } from "../lib/holds.mjs";
import { clockSkewMs, percentile, wallNow } from "../lib/http.mjs";
import { ask, forkSocketProcess } from "../lib/child-process.mjs";

const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "fanout-clients.mjs");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const r1 = (x) => Math.round(x * 10) / 10;

/**
 * How far the database's clock (clock_timestamp(), what committedAt is read from) is ahead of
 * Date.now() here: the sample with the shortest round trip, its midpoint taken as the read time.
 */
async function databaseClockOffset(db) {
  let best;
  for (let k = 0; k < 20; k++) {
    const t0 = wallNow();
    const { rows: [row] } = await db.query("SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t");
    const t1 = wallNow();
    if (!best || t1 - t0 < best.rttMs) best = { rttMs: t1 - t0, offset: Number(row.t) - (t0 + t1) / 2 };
  }
  return { dbAheadOfDateNowMs: Math.round((best.offset + clockSkewMs()) * 100) / 100, rttMs: Math.round(best.rttMs * 100) / 100 };
}

/** Peak RSS of every process of the server's tree, sampled every 500 ms. */
function rssSampler(serverPid) {
  const peak = new Map();
  const sample = () => {
    for (const { pid, mb } of treeRssMb(serverPid)) peak.set(pid, Math.max(peak.get(pid) ?? 0, mb));
  };
  sample();
  const timer = setInterval(sample, 500);
  return {
    sample,
    now: () => treeRssMb(serverPid).map((p) => p.mb),
    stop() {
      clearInterval(timer);
      sample();
      return [...peak.values()];
    },
  };
}

export default async function fanout(ctx) {
  const { fanoutClients: clients, fanoutProcs: procs, fanoutHolds: count, fanoutSeconds: seconds, fanoutConnections: connections } = ctx.settings;
  const p = ctx.processes;
  const WARM_HOLDS = 300;
  await ctx.shoppers.ensure(count + WARM_HOLDS);

  // The baseline: the same burst with no socket connected.
  const quietDrop = await ctx.createDrop({ name: "Fanout, no sockets", totalStock: count * 2, holdSeconds: 3600, maxPerUser: 1 });
  const quiet = await holdBurst(ctx, { dropId: quietDrop.id, count, seconds, connections });
  await ctx.checkInvariant([quietDrop.id]);
  if ((await activeHolds(ctx.db, quietDrop.id)) !== quiet.granted) throw new Error("fanout (no sockets): 201s and active holds differ");

  const drop = await ctx.createDrop({ name: "Fanout", totalStock: count * 2, holdSeconds: 3600, maxPerUser: 1 });
  const rss = rssSampler(ctx.serverPid);
  const rssBeforeSockets = rss.now();
  const children = Array.from({ length: procs }, () => forkSocketProcess(ctx.stack, childScript));
  try {
    const shares = children.map((_, k) => Math.floor(clients / procs) + (k < clients % procs ? 1 : 0));
    const connectStarted = performance.now();
    const connectedParts = await Promise.all(children.map((c, k) => ask(c, { cmd: "connect", url: ctx.url, dropId: drop.id, count: shares[k] }, "connected")));
    const connected = connectedParts.reduce((sum, m) => sum + m.connected, 0);
    const connectSeconds = r1((performance.now() - connectStarted) / 1000);
    const connectFailures = {};
    for (const part of connectedParts) for (const [reason, n] of Object.entries(part.failures)) connectFailures[reason] = (connectFailures[reason] ?? 0) + n;
    if (connected === 0) throw new Error(`fanout: no socket connected (${JSON.stringify(connectFailures)})`);
    await sleep(2000);
    const rssWithIdleSockets = rss.now();
    // Untimed: a few hundred holds on the watched drop (other shoppers), so the first broadcasts to
    // every socket (code not yet optimised, buffers growing) are not inside the measurement.
    const warm = await holdBurst(ctx, { dropId: drop.id, count: WARM_HOLDS, connections, firstShopper: count });
    await sleep(1000);
    const clock = await databaseClockOffset(ctx.db);

    const startVersion = (await ctx.admin.request("GET", `/api/drops/${drop.id}`)).body.version;
    const answered = [];
    const decided = [];
    const run = await holdBurst(ctx, {
      dropId: drop.id,
      count,
      seconds,
      connections,
      clientPids: children.map((c) => c.pid),
      onAnswer(r) {
        if (r.status !== 201) return;
        answered.push(r.at);
        decided.push(Date.parse(r.body.reservation.createdAt));
      },
    });
    const burstEnd = wallNow();
    const finalVersion = (await ctx.admin.request("GET", `/api/drops/${drop.id}`)).body.version;

    // Wait (up to 15 s) for every socket to hold the last version.
    let reached = 0;
    const waitStarted = performance.now();
    while (performance.now() - waitStarted < 15_000) {
      reached = (await Promise.all(children.map((c) => ask(c, { cmd: "progress", version: finalVersion }, "progress")))).reduce((s, m) => s + m.reached, 0);
      if (reached === connected) break;
      await sleep(100);
    }
    const lastStateMs = Math.round(wallNow() - burstEnd);
    const reports = await Promise.all(children.map((c) => ask(c, { cmd: "report" }, "report")));
    const rssPeaks = rss.stop();
    const rssEnd = rss.now();

    // Exact delay, when the server sends committedAt (the database's commit-decision time):
    // arrival on the client's clock, moved to Date.now(), against committedAt moved from the
    // database's clock to Date.now() (on one machine both read the same system clock; the offset
    // is measured anyway).
    const exact = [];
    let withoutCommittedAt = 0;
    // Bounds, for a server that does not: commits on one drop are serialised by its row lock and
    // each hold bumps the version by one, so version startVersion + k is the k-th commit. By the time
    // the k-th HTTP answer arrived, k commits had happened: the k-th answer time is an upper bound of
    // that commit's time (lower bound of the delay). The k-th decision time (reservation.createdAt,
    // read under the lock before the commit) is a lower bound of the commit time (upper bound of the delay).
    const mappingOk = finalVersion === startVersion + run.granted && run.granted === run.requests;
    const answerSorted = Float64Array.from(answered).sort();
    const decidedSorted = Float64Array.from(decided).sort();
    const fromAnswer = [];
    const fromDecision = [];
    const windowSeconds = run.wallSeconds;
    const perClient = [];
    let messages = 0;
    for (const rep of reports) {
      const committed = new Map(rep.committedAt);
      const counts = new Int32Array(rep.lastVersion.length);
      for (let j = 0; j < rep.arrivals.length; j++) {
        messages++;
        const at = rep.arrivals[j];
        if (at >= run.startedAt && at <= run.startedAt + windowSeconds * 1000) counts[rep.clientOf[j]]++;
        const k = rep.versions[j] - startVersion;
        if (k < 1) continue; // the untimed warm-up's changes
        const c = committed.get(rep.versions[j]);
        if (c === undefined) withoutCommittedAt++;
        else exact.push(at - rep.clockSkewMs - (c - clock.dbAheadOfDateNowMs));
        if (mappingOk && k >= 1 && k <= answerSorted.length) {
          fromAnswer.push(at - answerSorted[k - 1]);
          fromDecision.push(at - decidedSorted[k - 1]);
        }
      }
      // n messages at least 50 ms apart span at least (n - 1) x 50 ms: (n - 1) / window is at most 20
      // for a server that keeps the interval, however the window's edges fall.
      for (const c of counts) perClient.push(Math.max(0, c - 1) / windowSeconds);
    }
    const stats = (values) => {
      const sorted = Float64Array.from(values).sort();
      return { n: sorted.length, p50: r1(percentile(sorted, 50)), p99: r1(percentile(sorted, 99)), max: r1(sorted.at(-1) ?? NaN) };
    };
    perClient.sort((a, b) => a - b);
    const meanRate = perClient.reduce((s, x) => s + x, 0) / perClient.length;
    const maxRate = perClient.at(-1);
    const disconnects = {};
    for (const rep of reports) for (const [reason, n] of Object.entries(rep.disconnects)) disconnects[reason] = (disconnects[reason] ?? 0) + n;

    await ctx.checkInvariant([drop.id]);
    const held = await activeHolds(ctx.db, drop.id);
    if (held !== warm.granted + run.granted) throw new Error(`fanout: ${warm.granted} + ${run.granted} holds granted but ${held} active in the database`);

    const ratio = Math.round((run.perSecond / quiet.perSecond) * 100) / 100;
    const hasCommittedAt = exact.length > 0;
    const delayExact = hasCommittedAt ? stats(exact) : null;
    const details = {
      processes: p,
      clients,
      connected,
      connectFailures,
      clientProcesses: procs,
      client: "ws (lean Engine.IO v4 / Socket.IO v5 client, websocket transport)",
      connectSeconds,
      holdsPerSecondWithoutSockets: quiet.perSecond,
      holdsPerSecondWithSockets: run.perSecond,
      withSocketsOverWithout: ratio,
      messagesReceived: messages,
      committedAtPresent: hasCommittedAt,
      messagesWithoutCommittedAt: withoutCommittedAt,
      clock,
      delayFromCommittedAtMs: delayExact,
      delayFromAnswerMs: stats(fromAnswer),
      delayFromDecisionMs: stats(fromDecision),
      versionMapping: mappingOk ? "ok" : `skipped: versions ${startVersion}..${finalVersion} for ${run.granted} holds`,
      messagesPerClientPerSecond: { mean: r1(meanRate), max: r1(maxRate) },
      clientsWithFinalVersion: reached,
      lastStateMsAfterBurst: lastStateMs,
      disconnectsDuringRun: disconnects,
      serverRssMb: { beforeSockets: rssBeforeSockets, withIdleSockets: rssWithIdleSockets, peak: rssPeaks, end: rssEnd },
      clientRssMb: reports.map((rep) => rep.rssMb),
    };
    const peakRss = Math.max(...rssPeaks);
    const delayTarget = hasCommittedAt
      ? { value: `${delayExact.p99} ms (committedAt)`, met: delayExact.p99 <= 250 }
      : {
          value: `between ${details.delayFromAnswerMs.p99} and ${details.delayFromDecisionMs.p99} ms (no committedAt: bounds)`,
          met: details.delayFromDecisionMs.p99 <= 250 ? true : details.delayFromAnswerMs.p99 > 250 ? false : null,
        };
    return {
      rows: [
        { scenario: "fanout", setup: `no sockets, ${connections} conns, ${seconds} s burst`, connections, sockets: 0, ...quiet },
        { scenario: "fanout", setup: `${connected} sockets, ${connections} conns, ${seconds} s burst`, connections, sockets: connected, ...run },
      ],
      details,
      targets: [
        { target: `fanout: holds/s with ${clients} watching sockets >= 0.5x none`, processes: p, value: `${ratio}x (${run.perSecond} / ${quiet.perSecond})`, met: ratio >= 0.5 },
        { target: "fanout: p99 commit -> arrival <= 250 ms", processes: p, ...delayTarget },
        { target: "fanout: every socket ends on the final version", processes: p, value: `${reached}/${clients}`, met: reached === clients },
        { target: "fanout: RSS of each server process < 400 MB", processes: p, value: `peak ${peakRss} MB (${rssPeaks.join(", ")})`, met: peakRss < 400 },
        { target: "fanout: stockUpdated per socket per second <= 20", processes: p, value: `mean ${r1(meanRate)}, max ${r1(maxRate)}`, met: maxRate <= 20 },
      ],
    };
  } finally {
    rss.stop();
    for (const child of children) if (child.connected) child.send({ cmd: "close" });
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((resolve) => c.once("exit", resolve)) : undefined)));
  }
}
