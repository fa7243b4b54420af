import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { reportConnectionLoss } from "./connection-loss.js";

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
  pool.on("error", (error) => reportConnectionLoss("db.pool_error", error, () => stopping));
  // pg listens for errors only on idle clients: one checked out (in a transaction, or holding a
  // row lock during an email's send) that loses its server would otherwise throw an uncaught
  // 'error' and end the process (seen when the database restarted under the outbox's worker).
  pool.on("connect", (client) => client.on("error", (error) => reportConnectionLoss("db.client_error", error, () => stopping)));
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
