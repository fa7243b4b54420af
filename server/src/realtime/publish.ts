import type { ServerClock } from "../clock.js";
import type { Metrics } from "../observability/metrics.js";
import { expiredHoldRow, toReservation } from "../stock/hold-view.js";
import type { SoldOutCache } from "../stock/sold-out-cache.js";
import { stockLevels, type StockRow } from "../stock/stock.js";
import type { Notifier, StockChange } from "./notifier.js";

/** Who hears of a stock change. Spelled out, not picked from Services, so realtime/ does not depend on the services' wiring. */
export interface StockOutlets {
  notifier: Notifier;
  clock: ServerClock;
  soldOut: SoldOutCache;
  metrics: Metrics;
}

/** A stock function's row as the change every process's sockets and sold-out cache hear of. */
export function toStockChange(dropId: string, row: Omit<StockRow, "expired">): StockChange {
  return {
    update: { dropId, ...stockLevels(row), committedAt: row.decided_at.toISOString() },
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at?.toISOString() ?? null,
  };
}

/**
 * Tells browsers about a committed stock change: the new levels to everyone,
 * and a "cart expired" notice to each owner of a hold that lapsed in it.
 */
export function publishStockChange(out: StockOutlets, dropId: string, row: StockRow, shopperId?: string, options: { edited?: boolean } = {}): void {
  if (options.edited) out.soldOut.forget(dropId);
  out.soldOut.noteStock(dropId, row, shopperId);
  out.notifier.stockChanged({ ...toStockChange(dropId, row), shopperId, edited: options.edited });
  const now = out.clock.now();
  if (row.expired.length > 0) out.metrics.expired.inc(row.expired.length);
  for (const hold of row.expired) out.notifier.reservationChanged(hold.userId, toReservation(expiredHoldRow(hold, dropId), now));
}
