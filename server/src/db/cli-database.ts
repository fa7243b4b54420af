import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../config.js";
import { pingDatabase } from "../health/readiness.sql.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded.js";
import { runMigrations } from "./migrate.js";
import { connectDatabase, type Database } from "./prisma.js";
import { errorMessage } from "../errors.js";

/**
 * The database a command-line tool reads: DATABASE_URL, else the embedded
 * database of a running `npm start` (it announces its URL under DATA_DIR),
 * else that embedded database started here for the tool's run.
 */
export async function openCliDatabase(): Promise<{ database: Database; close(): Promise<void> }> {
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    url = await readFile(path.join(config.dataDir, "postgres-url"), "utf8").then((s) => s.trim(), () => undefined);
    if (!url || !(await reachable(url))) {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, quiet: true });
      url = embedded.url;
      await runMigrations(url);
    }
  }
  const database = connectDatabase(url, 2);
  return {
    database,
    async close() {
      await database.close();
      await embedded?.stop();
    },
  };
}

async function reachable(url: string): Promise<boolean> {
  const database = connectDatabase(url, 1);
  try {
    await pingDatabase(database.pool);
    return true;
  } catch {
    return false;
  } finally {
    await database.close();
  }
}

/** Runs a tool's main: an error is one line on stderr and exit code 2 (1 is the tools' "found a problem"). */
export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${errorMessage(error)}\n`);
    process.exit(2);
  });
}
