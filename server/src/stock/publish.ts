import type { Services } from "../context.js";
import { toReservation } from "../reservations/reservation-view.js";
import { stockLevels, type StockRow } from "./stock.js";

export type StockOutlets = Pick<Services, "notifier" | "clock" | "soldOut" | "metrics">;

/**
 * Tells browsers about a committed stock change: the new levels to everyone,
 * and a "cart expired" notice to each owner of a hold that lapsed in it.
 */
export function publishStockChange(out: StockOutlets, dropId: string, row: StockRow, shopperId?: string): void {
  const levels = stockLevels(row);
  noteStock(out, dropId, row, shopperId);
  out.notifier.stockChanged({ dropId, ...levels });
  const now = out.clock.now();
  if (row.expired?.length) out.metrics.expired.inc(row.expired.length);
  for (const hold of row.expired ?? []) {
    out.notifier.reservationChanged(
      hold.userId,
      toReservation(
        {
          id: hold.id,
          dropId,
          quantity: hold.quantity,
          status: "expired",
          createdAt: new Date(hold.createdAt),
          expiresAt: new Date(hold.expiresAt),
        },
        now,
      ),
    );
  }
}

/** Feeds what the database just said about a drop's stock to the sold-out fast path. */
export function noteStock(out: Pick<Services, "soldOut">, dropId: string, row: StockRow, shopperId?: string): void {
  out.soldOut.observe({
    dropId,
    availableStock: row.total_stock - row.held_stock - row.sold_stock,
    version: row.version,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    shopperId,
  });
}
