// `npm run check`: recounts every drop's stock from its rows and reports any
// difference from the counters. Exit 0 when everything adds up, 1 otherwise.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../config.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded.js";
import { runMigrations } from "../db/migrate.js";
import { connectDatabase } from "../db/prisma.js";
import { pingDatabase } from "../health/readiness.sql.js";
import { setLogLevel } from "../log.js";
import { auditStock } from "./audit.js";

async function main() {
  setLogLevel("warn");
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    // A running server's embedded database announces itself; otherwise start it here.
    url = await readFile(path.join(config.dataDir, "postgres-url"), "utf8").then((s) => s.trim(), () => undefined);
    if (!url || !(await reachable(url))) {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, quiet: true });
      url = embedded.url;
      await runMigrations(url);
    }
  }
  const database = connectDatabase(url, 2);
  try {
    const report = await auditStock(database.prisma);
    process.stdout.write(`Checked ${report.dropsChecked} drops: ${report.ok ? "every counter matches its rows" : `${report.problems.length} problem(s)`}.\n`);
    if (report.lapsedUnitsAwaitingSweep > 0) process.stdout.write(`${report.lapsedUnitsAwaitingSweep} unit(s) in holds past their deadline await the next sweep (not a fault).\n`);
    for (const p of report.problems) process.stdout.write(`  ${p.name} (${p.dropId}): ${p.check}: counter ${p.counter}, rows ${p.recount}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await database.close();
    await embedded?.stop();
  }
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

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
