import type pg from "pg";

/** The cheapest question the database must answer; straight on the pool, as Prisma adds nothing to it. */
export async function pingDatabase(pool: pg.Pool): Promise<void> {
  await pool.query("SELECT 1");
}
