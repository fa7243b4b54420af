import type { Reservation } from "../stock/hold-view.js";
import type { PublicDrop, PurchaseCompleted, StockUpdated } from "./events.js";

/**
 * What the domain tells the outside world after a change has committed. The
 * Socket.IO implementation lives in io.ts; tests can record calls instead.
 */
export interface Notifier {
  stockChanged(update: StockUpdated): void;
  /** To the owner's room: `reservationUpdated`, and `reservationExpired` too when it expired. */
  reservationChanged(userId: string, reservation: Reservation): void;
  purchaseCompleted(event: PurchaseCompleted): void;
  dropCreated(drop: PublicDrop): void;
  dropUpdated(drop: PublicDrop): void;
}
