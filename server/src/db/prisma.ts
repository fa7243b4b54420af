import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { logger } from "../log.js";

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
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
  // An idle client losing its server (database restart) must not crash the process.
  pool.on("error", (error) => logger.warn({ event: "db.pool_error", error: error.message }));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
