import { access, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { loadConfig } from "../config.js";
import type { EmbeddedDatabase } from "./embedded.js";
import { runningPostmaster } from "./postmaster.js";
import type { Database } from "./prisma.js";
import { errorMessage } from "../errors.js";

/**
 * The database a command-line tool reads, in this order:
 * - DATABASE_URL, when set;
 * - the embedded database of a running `npm start` with the same DATA_DIR (it announces its URL
 *   in DATA_DIR/postgres-url on every start);
 * - the embedded database under DATA_DIR when no server runs it: started for the tool's run
 *   (with the migrations `npm start` would apply) and stopped after.
 * Never a new one: a DATA_DIR with no database in it is an error, not an empty database whose
 * zero rows would read as "all is well" (a check of the wrong folder).
 */
export async function openCliDatabase(): Promise<{ database: Database; close(): Promise<void> }> {
  const { url, close } = await findCliDatabase();
  // Prisma costs a command a few hundred milliseconds to load: only the tools that query through it pay.
  const { connectDatabase } = await import("./prisma.js");
  const database = connectDatabase(url, 2);
  return {
    database,
    async close() {
      await database.close();
      await close();
    },
  };
}

/** The same database as a plain pg pool, for the tools that write their own SQL. */
export async function openCliPool(): Promise<{ pool: pg.Pool; close(): Promise<void> }> {
  const { url, close } = await findCliDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: "dropline-cli" });
  // An idle connection the database ends must not end the command as an unhandled 'error'; a query's own failure still reports.
  pool.on("error", () => undefined);
  return {
    pool,
    async close() {
      await pool.end();
      await close();
    },
  };
}

/** The URL to read, and what to stop afterwards (the embedded database, if it was started here). */
async function findCliDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (url) {
    const problem = await unreachable(url);
    if (problem) throw new Error(`DATABASE_URL (${withoutPassword(url)}) does not answer: ${problem}`);
  } else {
    const dataDir = path.resolve(config.dataDir);
    const clusterDir = path.join(dataDir, "postgres");
    const announced = await readFile(path.join(dataDir, "postgres-url"), "utf8").then((s) => s.trim(), () => undefined);
    if (announced && !(await unreachable(announced))) {
      url = announced;
    } else if (!(await exists(path.join(clusterDir, "PG_VERSION")))) {
      throw new Error(
        `No database here: DATABASE_URL is not set and DATA_DIR (${dataDir}) holds no embedded database. ` +
          `Point DATA_DIR at the folder of the server's database (npm start uses ./.data under the folder it runs in), or set DATABASE_URL.`,
      );
    } else {
      // Another PostgreSQL on this cluster would shut the running one down (embedded.ts stops
      // orphans), taking the server's database with it: never start a second one.
      const pid = runningPostmaster(clusterDir);
      if (pid !== undefined) {
        throw new Error(
          `The embedded database under ${clusterDir} is running (pid ${pid}) but does not answer at the address in ${path.join(dataDir, "postgres-url")}; ` +
            `try again once its server has started, or set DATABASE_URL.`,
        );
      }
      process.stderr.write(`No server is running on ${dataDir}: starting its embedded database for this command (stopped when it ends).\n`);
      // Imported here: the embedded database and the migrations cost a tool that needs neither their load time.
      const { startEmbeddedPostgres } = await import("./embedded.js");
      const { runMigrations } = await import("./migrate.js");
      embedded = await startEmbeddedPostgres({ dataDir, quiet: true });
      url = embedded.url;
      await runMigrations(url);
    }
  }
  return {
    url,
    async close() {
      await embedded?.stop();
    },
  };
}

/** Why the database does not answer, or undefined when it does. */
async function unreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A connection the server ends after a failed connect must not end the process as an unhandled 'error'.
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return errorMessage(error) || "no answer";
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "not a URL";
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/** Runs a tool's main: an error is one line on stderr and exit code 2 (1 is the tools' "found a problem"). */
export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${errorMessage(error)}\n`);
    process.exit(2);
  });
}
