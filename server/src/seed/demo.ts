import type { Db } from "../db/prisma.js";
import { logger } from "../log.js";
import { hasDrops, insertDrops } from "./demo.sql.js";

/**
 * A newcomer's first `npm start` shows live drops, one about to open, and a
 * ticket drop with a waiting room whose line is already open. Only on an empty database.
 */
export async function seedDemoDrops(db: Db, now = new Date()): Promise<void> {
  if (await hasDrops(db)) return;
  const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
  await insertDrops(db, [
    { name: "Aurora Runner 1 — Midnight", price: "189.00", totalStock: 500, startsAt: now, holdSeconds: 60, maxPerUser: 2 },
    { name: "Front Row — Summer Tour, Night 1", price: "95.50", totalStock: 200, startsAt: now, holdSeconds: 120, maxPerUser: 4 },
    { name: "Nebula RTX Founders Edition", price: "1199.00", totalStock: 50, startsAt: minutes(2), holdSeconds: 60, maxPerUser: 1 },
    { name: "Front Row — Summer Tour, Night 2", price: "95.50", totalStock: 300, startsAt: minutes(5), holdSeconds: 120, maxPerUser: 2,
      queue: { create: { admitPerSecond: 20, admissionSeconds: 120 } } },
  ]);
  logger.info({ event: "seed.demo_drops", count: 4 });
}
