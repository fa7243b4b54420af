// profile: where the remaining time goes, on the hold path and on the refusal
// path. Runs last: restarts PostgreSQL with pg_stat_statements loaded and the
// server (BENCH_PROFILE_PROCESSES processes, default the largest count of the
// run) under `node --cpu-prof`, then
//   - holds: BENCH_PROFILE_HOLDS holds on one drop at 256 connections;
//   - refusals: BENCH_PROFILE_REFUSALS requests on a sold-out drop at 512;
// and reports for each window the server's top self-time functions and
// packages (every process's profile, only the samples inside the window),
// PostgreSQL's top statements (pg_stat_statements, reset before each window)
// and what its backends were doing (pg_stat_activity sampled every 20 ms),
// and the CPU of server, PostgreSQL and load generator per answer.
// Figures here are slowed by the profiler: they explain, they do not measure.
import { readdirSync } from "node:fs";
import path from "node:path";
import { monoMicros, readProfile, summariseProfiles } from "../lib/cpuprofile.mjs";
import { holdBurst } from "../lib/holds.mjs";
import { wallNow } from "../lib/http.mjs";
import { activitySampler } from "../lib/pg-activity.mjs";

/**
 * Backends' state every 20 ms: mean number of client backends in each state / wait event,
 * in the shape this report has always had (pg-activity.mjs samples; no statement kinds here).
 */
function backendStates(databaseUrl) {
  const sampler = activitySampler(databaseUrl, { everyMs: 20 });
  return {
    take: () =>
      sampler.take(Infinity).rows.map(({ state, mean }) => ({
        state: state === "on CPU" || state.startsWith("waiting on ") ? `active, ${state}` : state,
        meanBackends: mean,
      })),
    stop: () => sampler.stop(),
  };
}

async function topStatements(db, enabled) {
  if (!enabled) return null;
  const { rows } = await db.query(
    `SELECT calls::int, round(total_exec_time::numeric, 1)::float8 AS total_ms, round(mean_exec_time::numeric, 3)::float8 AS mean_ms,
            left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
     FROM pg_stat_statements
     WHERE query NOT ILIKE '%pg_stat%' AND query NOT ILIKE '%VACUUM%' AND query NOT ILIKE 'CHECKPOINT%'
     ORDER BY total_exec_time DESC LIMIT 8`,
  );
  return rows;
}

export default async function profile(ctx) {
  const { profileProcesses: processes, profileHolds, profileRefusals } = ctx.settings;
  const dir = path.join(ctx.stack.tmp, "cpu-prof");
  const restarted = await ctx.restart({
    processes,
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
    database: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all" },
  });
  const statements = await ctx.db
    .query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    .then(() => ctx.db.query("SELECT pg_stat_statements_reset()"))
    .then(
      () => true,
      () => false,
    );
  await ctx.shoppers.ensure(Math.max(profileHolds, profileRefusals + 1));
  // Untimed warm-up of the new server's code paths.
  const warm = await ctx.createDrop({ name: "Profile warm-up", totalStock: 1000, holdSeconds: 3600 });
  await holdBurst(ctx, { dropId: warm.id, count: 1000, connections: 64 });

  const sampler = backendStates(ctx.databaseUrl);
  const offset = monoMicros() - wallNow() * 1000; // wall ms -> monotonic µs (the profiles' clock)
  const windowOf = (run) => [run.startedAt * 1000 + offset, (run.startedAt + run.wallSeconds * 1000) * 1000 + offset];
  const path_ = {};
  try {
    const holdDrop = await ctx.createDrop({ name: "Profile holds", totalStock: profileHolds * 2, holdSeconds: 3600 });
    if (statements) await ctx.db.query("SELECT pg_stat_statements_reset()");
    sampler.take();
    const holds = await holdBurst(ctx, { dropId: holdDrop.id, count: profileHolds, connections: 256 });
    path_.holds = { run: holds, window: windowOf(holds), activity: sampler.take(), statements: await topStatements(ctx.db, statements) };

    const soldOut = await ctx.createDrop({ name: "Profile sold out", totalStock: 1, holdSeconds: 3600 });
    const first = await ctx.admin.request("POST", "/api/reservations", { token: ctx.shoppers.tokens[0], body: { dropId: soldOut.id } });
    if (first.status !== 201) throw new Error(`profile: the sold-out drop's one unit was not granted (${first.status})`);
    if (statements) await ctx.db.query("SELECT pg_stat_statements_reset()");
    sampler.take();
    const refusals = await holdBurst(ctx, { dropId: soldOut.id, count: profileRefusals, connections: 512, firstShopper: 1 });
    path_.refusals = { run: refusals, window: windowOf(refusals), activity: sampler.take(), statements: await topStatements(ctx.db, statements) };
    await ctx.checkInvariant([holdDrop.id, soldOut.id]);
  } finally {
    await sampler.stop();
  }
  // The profiles are written as each server process exits.
  const serverPids = ctx.stack.server.pids;
  const primary = ctx.stack.server.pid;
  await ctx.stopServer();
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  } catch {
    // none written
  }
  const profiles = files.map((f) => ({ pid: Number(f.split(".")[3]), profile: readProfile(path.join(dir, f)) }));
  const details = { processes, serverProcesses: serverPids.length, profilesWritten: profiles.length, pgStatStatements: statements, databaseRestarted: restarted };
  for (const [name, p] of Object.entries(path_)) {
    const answers = p.run.requests;
    const perProcess = profiles.map(({ pid, profile }) => ({ pid, role: pid === primary ? "primary" : "worker", ...summariseProfiles([profile], { windows: [p.window], top: 0 }) }));
    details[name] = {
      answers,
      granted: p.run.granted,
      answersPerSecond: p.run.answersPerSecond,
      cpuMsPerAnswer: { server: p.run.cpuMs.serverPerAnswer, postgres: p.run.cpuMs.postgresPerAnswer, loadGenerator: p.run.cpuMs.harnessPerAnswer },
      cpu: p.run.cpu,
      node: profiles.length > 0 ? summariseProfiles(profiles.map((x) => x.profile), { windows: [p.window], top: 15 }) : null,
      nodeByProcess: perProcess.map(({ pid, role, busyMs, idleMs }) => ({ pid, role, busyMs, idleMs })),
      postgresStatements: p.statements,
      postgresActivity: p.activity,
    };
  }
  return { rows: [], details };
}
