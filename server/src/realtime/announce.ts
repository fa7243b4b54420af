import type { Database } from "../db/prisma.js";
import { listDropRows } from "../drops/drops.sql.js";
import { logger } from "../log.js";
import type { SoldOutCache } from "../stock/sold-out-cache.js";
import type { Realtime } from "./io.js";
import { toStockChange } from "./publish.js";
import { errorMessage } from "../errors.js";

/**
 * Re-announces every live drop's current state to this process's own sockets
 * and sold-out fast path, after the bus between processes may have lost
 * messages. Browsers ignore versions they already have, so this is safe to
 * repeat. `committedAt` is the time of the read: the change itself is older.
 */
export async function announceLiveDrops(database: Database, realtime: Realtime, soldOut: SoldOutCache): Promise<void> {
  try {
    const rows = await listDropRows(database.prisma, false);
    for (const row of rows) {
      soldOut.forget(row.id);
      realtime.announceLocally(toStockChange(row.id, { ...row, decided_at: row.db_now }));
    }
    logger.info({ event: "io.bus_resynced", drops: rows.length });
  } catch (error) {
    logger.warn({ event: "io.bus_resync_failed", error: errorMessage(error) });
  }
}
