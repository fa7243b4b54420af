import type { Notifier } from "../realtime/notifier.js";
import { toReservation } from "../reservations/reservation-view.js";
import { stockLevels, type StockRow } from "./stock.js";

/**
 * Tells browsers about a committed stock change: the new levels to everyone,
 * and a "cart expired" notice to each owner of a hold that lapsed in it.
 */
export function publishStockChange(notifier: Notifier, dropId: string, row: StockRow, now: Date): void {
  notifier.stockChanged({ dropId, ...stockLevels(row) });
  for (const hold of row.expired ?? []) {
    notifier.reservationChanged(
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
