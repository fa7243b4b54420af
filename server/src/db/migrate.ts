import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { installJobEngine } from "../jobs/engine.js";

/** The repository root: prisma.config.ts and prisma/migrations live there. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Applies committed migrations with Prisma's own `migrate deploy`, so the
 * server, `npm run db:migrate`, CI and Render all run exactly the same steps,
 * then installs the job engine's schema.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  // Starting Prisma's CLI costs seconds; skip it when every migration is already applied.
  if ((await pendingMigrations(databaseUrl)).length > 0) await migrateDeploy(databaseUrl);
  // The job engine's own schema and queues, versioned by pg-boss itself.
  await installJobEngine(databaseUrl);
}

/** Committed migrations that the database has not recorded as applied. */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  const committed = (await readdir(path.join(repoRoot, "prisma", "migrations"), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Set(rows.map((row) => row.migration_name));
    return committed.filter((name) => !applied.has(name));
  } catch {
    return committed; // no migrations table yet (or no answer): let Prisma decide and report
  } finally {
    await client.end().catch(() => undefined);
  }
}

function migrateDeploy(databaseUrl: string): Promise<void> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "migrate", "deploy"], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, DIRECT_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`prisma migrate deploy failed (exit ${code}):\n${output.trim()}`));
    });
  });
}
