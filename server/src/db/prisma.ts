import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { logger } from "../log.js";

export type Db = PrismaClient;

/** The row a query always returns (a stock function, a SELECT without FROM): none is a bug, not an answer. */
export function onlyRow<T>(rows: T[]): T {
  const [row] = rows;
  if (row === undefined) throw new Error("The database returned no row where it always returns one.");
  return row;
}

export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  /**
   * The process is stopping: connections the database ends from now on are
   * expected (Ctrl-C signals the embedded PostgreSQL too), not worth a warning.
   */
  stopping(): void;
  close(): Promise<void>;
}

/** admin_shutdown: the database ended the connection (a shutdown, or pg_terminate_backend). */
const ADMIN_SHUTDOWN = "57P01";

/**
 * Prisma over our own pg pool: the pool is sized for the hot drop row (every
 * hold on one drop waits for the same lock, so more connections only queue
 * longer), and we keep a handle on it for readiness checks and metrics.
 */
export function connectDatabase(url: string, poolSize: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    application_name: "dropline",
  });
  let stopping = false;
  // An idle client losing its server (database restart) must not crash the process.
  pool.on("error", (error) => {
    if (stopping) return logger.debug({ event: "db.pool_closed_by_server", error: error.message });
    if ((error as { code?: string }).code !== ADMIN_SHUTDOWN) return logger.warn({ event: "db.pool_error", error: error.message });
    // The database announces its shutdown to every idle connection at once, possibly a moment
    // before our own signal handler has run: look again once that handler had its turn.
    setTimeout(() => {
      if (!stopping) logger.warn({ event: "db.pool_error", error: error.message });
    }, 200).unref();
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    stopping() {
      stopping = true;
    },
    async close() {
      stopping = true;
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
