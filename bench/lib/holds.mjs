// One timed burst of POST /api/reservations: shopper i (from `firstShopper`)
// asks once for one unit of `dropId`, `connections` requests in flight.
import { answerCode, countInto, createClient, latencySummary, runPool } from "./http.mjs";

// With `seconds`, requests stop being sent after that long (at most `count` in all).
export async function holdBurst(ctx, { dropId, count, connections, seconds: maxSeconds, firstShopper = 0, clientPids, onAnswer, keepLatencies = false }) {
  const client = createClient(ctx.url, connections);
  try {
    await ctx.beforeTimed();
    await client.warm();
    const body = JSON.stringify({ dropId });
    const tokens = ctx.shoppers.tokens;
    let latencies = new Float64Array(count);
    const codes = {};
    const timeline = []; // answers per second of the burst: [ok, refused (4xx), failed (5xx/network)]
    const tick = (slot) => {
      const second = Math.floor((performance.now() - started) / 1000);
      while (timeline.length <= second) timeline.push([0, 0, 0]);
      timeline[second][slot]++;
    };
    const meter = ctx.cpuMeter(clientPids);
    const started = performance.now();
    const sent = await runPool(count, connections, async (i) => {
      let r;
      try {
        r = await client.request("POST", "/api/reservations", { token: tokens[firstShopper + i], body });
      } catch (error) {
        countInto(codes, `network ${error.code ?? error.message}`);
        latencies[i] = NaN;
        tick(2);
        return;
      }
      latencies[i] = r.ms;
      countInto(codes, answerCode(r));
      tick(r.status < 300 ? 0 : r.status < 500 ? 1 : 2);
      onAnswer?.(r, i);
    }, maxSeconds ? started + maxSeconds * 1000 : Infinity);
    const seconds = (performance.now() - started) / 1000;
    const cpu = meter.end();
    const granted = codes["201"] ?? 0;
    const serverErrors = Object.entries(codes)
      .filter(([code]) => !/^[1-4]\d\d/.test(code))
      .reduce((sum, [, n]) => sum + n, 0);
    if (sent < count) latencies = latencies.subarray(0, sent);
    return {
      processes: ctx.processes,
      requests: sent,
      granted,
      perSecond: Math.round(granted / seconds),
      answersPerSecond: Math.round(sent / seconds),
      wallSeconds: Math.round(seconds * 100) / 100,
      startedAt: performance.timeOrigin + started,
      ...latencySummary(latencies.filter((x) => !Number.isNaN(x))),
      codes,
      serverErrors,
      cpu,
      cpuMs: cpuMsPer(cpu, granted, sent),
      timeline,
      ...(keepLatencies ? { latencies } : {}),
    };
  } finally {
    client.close();
  }
}

/**
 * CPU milliseconds per answer from a cpuMeter result: the server's (its whole process tree) per
 * granted hold and per answer of any kind, PostgreSQL's per answer, the load generator's per answer.
 */
export function cpuMsPer(cpu, granted, answers) {
  const s = cpu.seconds;
  if (!s) return undefined;
  const per = (seconds, n) => (seconds === null || !n ? null : Math.round((seconds * 1000 * 1000) / n) / 1000);
  return { serverPerGrant: per(s.server, granted), serverPerAnswer: per(s.server, answers), postgresPerAnswer: per(s.postgres, answers), harnessPerAnswer: per(s.harness, answers) };
}

/** Several bursts on the same drop (kept latencies), reported as one. */
export function combineBursts(runs) {
  const seconds = runs.reduce((sum, r) => sum + r.wallSeconds, 0);
  const sum = (key) => runs.reduce((total, r) => total + r[key], 0);
  const codes = {};
  for (const r of runs) for (const [code, n] of Object.entries(r.codes)) codes[code] = (codes[code] ?? 0) + n;
  const cpu = {};
  for (const key of Object.keys(runs[0].cpu)) {
    if (typeof runs[0].cpu[key] !== "number") continue;
    cpu[key] = Math.round(runs.reduce((total, r) => total + r.cpu[key] * r.wallSeconds, 0) / seconds);
  }
  cpu.seconds = {};
  for (const key of Object.keys(runs[0].cpu.seconds ?? {})) {
    cpu.seconds[key] = runs[0].cpu.seconds[key] === null ? null : Math.round(runs.reduce((total, r) => total + r.cpu.seconds[key], 0) * 1000) / 1000;
  }
  const latencies = runs.flatMap((r) => Array.from(r.latencies)).filter((x) => !Number.isNaN(x));
  return {
    requests: sum("requests"),
    granted: sum("granted"),
    perSecond: Math.round(sum("granted") / seconds),
    answersPerSecond: Math.round(sum("requests") / seconds),
    wallSeconds: Math.round(seconds * 100) / 100,
    ...latencySummary(latencies),
    codes,
    serverErrors: sum("serverErrors"),
    cpu,
    cpuMs: cpuMsPer(cpu, sum("granted"), sum("requests")),
    processes: runs[0].processes,
    timeline: runs.flatMap((r) => r.timeline),
  };
}

/** The database's own count of active holds on a drop (what the 201s must match). */
export async function activeHolds(db, dropId) {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM reservations WHERE drop_id = $1 AND status = 'active'`, [dropId]);
  return rows[0].n;
}
