#!/usr/bin/env node
// `npm run bench [-- scenario ...]`: starts PostgreSQL (unless DATABASE_URL is set), then the
// built server once per process count (WEB_CONCURRENCY=1, then BENCH_PROCESSES), drives it over
// real HTTP and Socket.IO from separate processes, checks the stock invariant after every scenario,
// profiles the hold and refusal paths last, prints a Markdown summary (the process counts side by
// side) and writes bench/results/latest.json.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpuMeter, waitForQuiet } from "./lib/cpu.mjs";
import { checkStockInvariant, createShopperPool, databaseFacts, openDb, settle } from "./lib/db.mjs";
import { holdBurst } from "./lib/holds.mjs";
import { createClient, intEnv, listEnv } from "./lib/http.mjs";
import { disturbed, machineFacts, summary } from "./lib/report.mjs";
import { restartDatabase, startServer, startStack, stopServer } from "./lib/stack.mjs";
import bare from "./scenarios/bare.mjs";
import fanout from "./scenarios/fanout.mjs";
import history from "./scenarios/history.mjs";
import hotDrop from "./scenarios/hot-drop.mjs";
import profile from "./scenarios/profile.mjs";
import reference from "./scenarios/reference.mjs";
import ticketdrop from "./scenarios/ticketdrop.mjs";
import ticketdropQueue from "./scenarios/ticketdrop-queue.mjs";
import ticketdropCheckout from "./scenarios/ticketdrop-checkout.mjs";
import { checkoutSummary } from "./lib/checkout-report.mjs";
import { queueSummary } from "./lib/queue-report.mjs";

// .env as the server reads it (server/src/env-file.ts), the real environment winning: the bench's
// settings, and the ones it passes to the server and records, are the ones `npm start` would use.
// A DATABASE_URL there is the database the bench runs on, as if it were set in the environment.
try {
  process.loadEnvFile(".env");
} catch (error) {
  if (error.code !== "ENOENT") throw error;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// In this order. `each`: run once per server process count (WEB_CONCURRENCY=1, then N); `once`: in the
// first phase only (reference and bare do not involve the server; history is not about processes);
// `last`: after every phase, on a server of its own (profile). ticketdrop-checkout restarts the
// phase's server with settings of its own (declines, notification receivers), so it comes last in a phase.
const SCENARIOS = {
  "hot-drop": { run: hotDrop, when: "each" },
  reference: { run: reference, when: "once" },
  bare: { run: bare, when: "once" },
  ticketdrop: { run: ticketdrop, when: "each" },
  "ticketdrop-queue": { run: ticketdropQueue, when: "each" },
  history: { run: history, when: "once" },
  fanout: { run: fanout, when: "each" },
  "ticketdrop-checkout": { run: ticketdropCheckout, when: "each" },
  profile: { run: profile, when: "last" },
};

const processes = intEnv("BENCH_PROCESSES", 2);
const processCounts = [...new Set(listEnv("BENCH_PROCESS_COUNTS", [1, processes]))];
const settings = {
  processCounts,
  holds: intEnv("BENCH_HOLDS", 20_000),
  connections: listEnv("BENCH_CONNECTIONS", [64, 256]),
  ticketShoppers: intEnv("BENCH_TICKET_SHOPPERS", 50_000),
  ticketStock: intEnv("BENCH_TICKET_STOCK", 500),
  ticketConnections: intEnv("BENCH_TICKET_CONNECTIONS", 512),
  queueShoppers: intEnv("BENCH_QUEUE_SHOPPERS", 50_000),
  queueStock: intEnv("BENCH_QUEUE_STOCK", 500),
  queueConnections: intEnv("BENCH_QUEUE_CONNECTIONS", 512),
  queueSockets: intEnv("BENCH_QUEUE_SOCKETS", 2_000),
  queueAdmitPerSecond: intEnv("BENCH_QUEUE_ADMIT_PER_SECOND", 500),
  queueOpenBeforeMs: intEnv("BENCH_QUEUE_OPEN_BEFORE_MS", 1_500),
  queueTimeoutSeconds: intEnv("BENCH_QUEUE_TIMEOUT_SECONDS", 180),
  checkoutShoppers: intEnv("BENCH_CHECKOUT_SHOPPERS", 50_000),
  checkoutStock: intEnv("BENCH_CHECKOUT_STOCK", 500),
  checkoutConnections: intEnv("BENCH_CHECKOUT_CONNECTIONS", 512),
  checkoutPayConcurrency: intEnv("BENCH_CHECKOUT_PAY_CONCURRENCY", 64),
  checkoutAttempts: intEnv("BENCH_CHECKOUT_ATTEMPTS", 3),
  checkoutDrainTimeoutSeconds: intEnv("BENCH_CHECKOUT_DRAIN_TIMEOUT_SECONDS", 300),
  historyRows: intEnv("BENCH_HISTORY_ROWS", 100_000),
  historyConnections: intEnv("BENCH_HISTORY_CONNECTIONS", 64),
  fanoutClients: intEnv("BENCH_FANOUT_CLIENTS", 10_000),
  fanoutProcs: intEnv("BENCH_FANOUT_PROCS", 2),
  fanoutHolds: intEnv("BENCH_FANOUT_HOLDS", 20_000),
  fanoutSeconds: intEnv("BENCH_FANOUT_SECONDS", 15),
  fanoutConnections: intEnv("BENCH_FANOUT_CONNECTIONS", 64),
  profileProcesses: intEnv("BENCH_PROFILE_PROCESSES", Math.max(...processCounts)),
  profileHolds: intEnv("BENCH_PROFILE_HOLDS", 5_000),
  profileRefusals: intEnv("BENCH_PROFILE_REFUSALS", 20_000),
  warmupHolds: process.env.BENCH_WARMUP === "0" ? 0 : intEnv("BENCH_WARMUP", 2_000),
  quietWaitSeconds: process.env.BENCH_QUIET_WAIT === "0" ? 0 : intEnv("BENCH_QUIET_WAIT", 30),
  retries: process.env.BENCH_RETRIES === "0" ? 0 : intEnv("BENCH_RETRIES", 1),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(", ")}; choose from ${Object.keys(SCENARIOS).join(", ")}`);
  process.exit(2);
}
// Scenarios run in the order of SCENARIOS, whatever order they were named in. BENCH_PROFILE=0 leaves
// the profile out of a full run.
const names = Object.keys(SCENARIOS).filter((name) => (requested.length === 0 ? name !== "profile" || process.env.BENCH_PROFILE !== "0" : requested.includes(name)));

const log = (line) => process.stderr.write(`[bench] ${line}\n`);
const runStarted = performance.now();

// Which code was measured (recorded in latest.json).
function codeVersion() {
  const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return { commit: git("rev-parse", "--short", "HEAD"), uncommittedChanges: git("status", "--porcelain", "--untracked-files=no", "--", "server", "prisma") !== "" };
  } catch {
    return { commit: "unknown" };
  }
}
// `npm run bench` builds the server first; `node bench/run.mjs` alone measures whatever was built last.
const newestSource = readdirSync(path.join(root, "server/src"), { recursive: true })
  .filter((file) => file.endsWith(".ts"))
  .reduce((newest, file) => Math.max(newest, statSync(path.join(root, "server/src", file)).mtimeMs), 0);
if (existsSync(path.join(root, "server/dist/main.js")) && newestSource > statSync(path.join(root, "server/dist/main.js")).mtimeMs) {
  log("warning: server/src has changed since the last build; `npm run bench` (or `npm run build -w server`) measures the current code");
}
if (!existsSync(path.join(root, "server/dist/main.js"))) {
  console.error("server/dist/main.js is missing: run `npm run build -w server`");
  process.exit(2);
}

const report = { at: new Date().toISOString(), ok: false, code: codeVersion(), scenarios: names, settings, phases: [], rows: [], ratios: [], details: {}, targets: [], invariantChecks: [], quietWaits: [], retried: [], timelines: {} };
let stack;
let db;
let admin;

/** Mean answers per second in each quarter of a per-second timeline (the last, partial second left out). */
function quarters(timeline) {
  const full = timeline.length > 1 ? timeline.slice(0, -1) : timeline;
  const size = Math.max(1, Math.floor(full.length / 4));
  const out = [];
  for (let from = 0; from < full.length && out.length < 4; from += size) {
    const part = out.length === 3 ? full.slice(from) : full.slice(from, from + size);
    out.push(Math.round(part.reduce((sum, t) => sum + t[0] + t[1] + t[2], 0) / part.length));
  }
  return out;
}

async function cleanup() {
  admin?.close();
  await db?.end().catch(() => undefined);
  await stack?.stop();
}
let interrupted = false;
function onSignal(signal) {
  if (interrupted) return;
  interrupted = true;
  log(`${signal}: stopping the server and the database`);
  cleanup().finally(() => process.exit(130));
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, onSignal);
// A closed pipe (`npm run bench | head`) must not kill the harness and orphan the server.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
// Last resort, should the harness die anyway: no server or client process outlives it.
process.on("exit", () => stack?.killNow());

try {
  log("starting PostgreSQL and migrations");
  stack = await startStack(root);
  db = openDb(stack.databaseUrl);
  const dbFacts = await databaseFacts(db);
  report.machine = machineFacts(dbFacts);
  report.serverEnv = {
    ...stack.serverEnv,
    WEB_CONCURRENCY: processCounts.join(", then "),
    DATABASE_URL: process.env.DATABASE_URL ? "(given, redacted)" : "embedded PostgreSQL in a temp dir (durable defaults)",
    ADMIN_TOKEN: "(random per run)",
    SESSION_SECRET: "(random per run)",
  };
  log(`${dbFacts.version.split(",")[0]}, fsync=${dbFacts.fsync}, synchronous_commit=${dbFacts.synchronous_commit}`);

  // Through a getter: the profile reopens the pool after restarting PostgreSQL.
  const shoppers = await createShopperPool(root, { query: (...args) => db.query(...args) }, stack.sessionSecret);
  const ctx = {
    root,
    stack,
    shoppers,
    settings,
    /** Server processes asked for in this phase (WEB_CONCURRENCY). */
    processes: undefined,
    get db() {
      return db;
    },
    get admin() {
      return admin;
    },
    get url() {
      return stack.server.url;
    },
    get databaseUrl() {
      return stack.databaseUrl;
    },
    get serverPid() {
      return stack.server.pid;
    },
    get postmasterPid() {
      return stack.postmasterPid;
    },
    serverEnv: stack.serverEnv,
    /** Untimed, before every timed section: vacuum + checkpoint, then wait for other load on the machine to pass. */
    async beforeTimed() {
      await settle(db);
      if (settings.quietWaitSeconds > 0) {
        const waited = await waitForQuiet(settings.quietWaitSeconds);
        if (waited > 0) log(`waited ${waited} s for other processes on the machine to quieten down`);
        report.quietWaits.push(waited);
      }
    },
    cpuMeter: (clientPids) => cpuMeter({ serverPid: stack.server.pid, postmasterPid: stack.postmasterPid, clientPids }),
    async createDrop(fields) {
      const r = await admin.request("POST", "/api/drops", { token: stack.adminToken, body: { price: "10.00", ...fields } });
      if (r.status !== 201) throw new Error(`POST /api/drops: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async checkInvariant(dropIds) {
      const result = await checkStockInvariant(db, admin, dropIds);
      report.invariantChecks.push({ at: new Date().toISOString(), ...result, ok: true });
    },
    /** Starts a server with `processes` processes (stopping the one running); checks the harness's tokens. `env`: extra server settings. */
    async startServer(processes, nodeArgs = [], env = {}) {
      await ctx.stopServer();
      const server = await startServer(stack, { processes, env, nodeArgs: [...(process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean), ...nodeArgs] });
      admin = createClient(server.url, 4);
      ctx.processes = processes;
      const me = await admin.request("GET", "/api/me", { token: shoppers.tokens[0] });
      if (me.status !== 200) throw new Error(`a harness-signed token was refused: GET /api/me -> ${me.status} ${JSON.stringify(me.body)}`);
      log(`server ${server.url}: WEB_CONCURRENCY=${processes}, ${server.pids.length} node process(es) (pids ${server.pids.join(", ")})${Object.keys(env).length ? `, with ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ")}` : ""}`);
      return server;
    },
    async stopServer() {
      admin?.close();
      admin = undefined;
      await stopServer(stack);
    },
    /** For the profile: a new server with node flags, and PostgreSQL restarted with extra settings. */
    async restart({ processes, nodeArgs, database }) {
      await ctx.stopServer();
      let restarted = false;
      if (database) {
        await db.end().catch(() => undefined);
        restarted = await restartDatabase(stack, database);
        db = openDb(stack.databaseUrl);
      }
      await ctx.startServer(processes, nodeArgs);
      return restarted;
    },
  };

  await shoppers.ensure(Math.max(1, settings.warmupHolds));
  const runScenario = async (name) => {
    log(`${name}${ctx.processes ? ` (${ctx.processes} process${ctx.processes > 1 ? "es" : ""})` : ""}: running`);
    const started = performance.now();
    const scenario = SCENARIOS[name].run;
    let result = await scenario(ctx);
    // Someone else's work on the machine during a timed section makes its figure worthless: run the scenario again.
    for (let retry = 1; retry <= settings.retries && result.rows.some(disturbed); retry++) {
      log(`${name}: other processes used the CPU during the measurement (${result.rows.map((r) => r.cpu.otherProcesses).filter(Boolean).join("; ")}); running it again`);
      report.retried.push({ scenario: name, processes: ctx.processes, discardedRows: result.rows.map(({ timeline, startedAt, ...row }) => row) });
      result = await scenario(ctx);
    }
    for (const { timeline, startedAt, ...row } of result.rows) {
      row.processes = SCENARIOS[name].when === "each" || name === "history" ? ctx.processes : null;
      if (disturbed(row)) row.disturbed = true;
      report.rows.push(row);
      log(`${row.scenario} ${row.setup}: ${row.granted}/${row.requests} granted, ${row.perSecond ?? "-"} holds/s, p50 ${row.p50ms} ms, p99 ${row.p99ms} ms, wall ${row.wallSeconds} s${row.cpuMs ? `, server CPU ${row.cpuMs.serverPerAnswer} ms/answer` : ""}`);
      if (timeline) {
        // Answers per second of the run, "2xx/4xx/5xx" each second: shows a rate that drifts within a run.
        report.timelines[`${row.scenario} | ${row.processes ?? "-"} proc | ${row.setup}`] = timeline.map((t) => t.join("/")).join(" ");
        log(`  answers/s by quarter of the run: ${quarters(timeline).join(" -> ")}`);
      }
    }
    if (result.details) {
      if (SCENARIOS[name].when === "each") (report.details[name] ??= {})[ctx.processes] = result.details;
      else report.details[name] = result.details;
    }
    report.targets.push(...(result.targets ?? []).map((t) => ({ processes: SCENARIOS[name].when === "each" ? ctx.processes : null, ...t })));
    log(`${name}: done in ${Math.round((performance.now() - started) / 1000)} s, stock invariant checked`);
  };

  const phased = names.filter((name) => SCENARIOS[name].when !== "last");
  for (const [index, count] of (phased.length > 0 ? processCounts : []).entries()) {
    const server = await ctx.startServer(count);
    report.phases.push({ processes: count, nodeProcessesSeen: server.pids.length });
    if (count > 1 && server.pids.length < 2) log(`WEB_CONCURRENCY=${count} ran ONE process: this server does not run a cluster yet (its figures are single-process ones)`);
    if (settings.warmupHolds > 0) {
      log(`warm-up: ${settings.warmupHolds} holds (not reported)`);
      const drop = await ctx.createDrop({ name: `Warm-up ${count}`, totalStock: settings.warmupHolds, holdSeconds: 3600 });
      await holdBurst(ctx, { dropId: drop.id, count: settings.warmupHolds, connections: 64 });
      await ctx.checkInvariant([drop.id]);
    }
    for (const name of phased) if (SCENARIOS[name].when === "each" || index === 0) await runScenario(name);
  }
  for (const name of names) if (SCENARIOS[name].when === "last") await runScenario(name);
  report.ok = true;
} catch (error) {
  if (interrupted) await new Promise(() => undefined); // onSignal exits once everything is stopped
  report.failure = error instanceof Error ? error.message : String(error);
  console.error(`\nBENCH FAILED: ${report.failure}`);
  if (error?.stack) console.error(error.stack);
} finally {
  await cleanup();
}

// hot-drop against both references, at every process count and concurrency.
const maxConnections = Math.max(...settings.connections);
for (const count of processCounts) {
  for (const connections of settings.connections) {
    const hot = report.rows.find((r) => r.scenario === "hot-drop" && r.connections === connections && r.processes === count);
    if (!hot) continue;
    for (const [name, threshold] of [["reference", 0.8], ["bare", 0.5]]) {
      const ref = report.rows.find((r) => r.scenario === name && r.connections === connections);
      if (!ref) continue;
      const ratio = Math.round((hot.perSecond / ref.perSecond) * 100) / 100;
      report.ratios.push({ processes: count, connections, against: name, hotDrop: hot.perSecond, reference: ref.perSecond, ratio, disturbed: disturbed(hot) || disturbed(ref) });
      if (connections === maxConnections) report.targets.push({ target: `hot-drop / ${name} at ${connections} connections >= ${threshold}`, processes: count, value: String(ratio), met: ratio >= threshold });
    }
  }
}
report.durationSeconds = Math.round((performance.now() - runStarted) / 1000);
await mkdir(path.join(root, "bench/results"), { recursive: true });
await writeFile(path.join(root, "bench/results/latest.json"), JSON.stringify(report, null, 2) + "\n");

console.log(`\n## Dropline bench, ${report.at} (${report.durationSeconds} s)\n`);
if (report.machine) {
  const m = report.machine;
  console.log(`${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.postgres.split(",")[0]} (fsync=${m.postgresSettings.fsync}, synchronous_commit=${m.postgresSettings.synchronous_commit})`);
  console.log(`server env: ${Object.entries(report.serverEnv).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  console.log(`server processes seen: ${report.phases.map((p) => `WEB_CONCURRENCY=${p.processes} -> ${p.nodeProcessesSeen} node process(es)`).join("; ")}\n`);
}
console.log(summary(report));
if (report.details["ticketdrop-queue"]) console.log(`\n${queueSummary(report.details["ticketdrop-queue"])}`);
if (report.details["ticketdrop-checkout"]) console.log(`\n${checkoutSummary(report.details["ticketdrop-checkout"])}`);
console.log(`\nstock invariant checked ${report.invariantChecks.length} times${report.ok ? ", all held" : ""}; results in bench/results/latest.json`);
process.exit(report.ok ? 0 : 1);
