import type { Preorder } from "../preorders/preorders.schemas.js";
import type { Purchase } from "../purchases/purchases.schemas.js";
import type { Reservation } from "../stock/hold-view.js";
import type { PublicDrop, PurchaseCompleted, QueueAdmitted, QueueUpdated, StockUpdated } from "./events.js";

/**
 * A committed stock change as every server process needs it: the update for
 * browsers, and what each process's sold-out fast path needs to stay right
 * (the drop's window, the shopper involved, whether an admin edited it).
 * Plain JSON, so it can cross to other processes as it is.
 */
export interface StockChange {
  update: StockUpdated;
  startsAt: string;
  endsAt: string | null;
  /** The shopper whose hold or purchase this was: the fast path must leave their answers to the database. */
  shopperId?: string;
  /** An admin edit: limits may have changed, so what the fast path knew is dropped. */
  edited?: boolean;
}

/**
 * What the domain tells the outside world after a change has committed. The
 * Socket.IO implementation lives in io.ts; tests can record calls instead.
 */
export interface Notifier {
  stockChanged(change: StockChange): void;
  /** To the owner's room: `reservationUpdated`, and `reservationExpired` too when it expired. */
  reservationChanged(userId: string, reservation: Reservation): void;
  purchaseCompleted(event: PurchaseCompleted): void;
  dropCreated(drop: PublicDrop): void;
  dropUpdated(drop: PublicDrop): void;
  /** A waiting room's line, to everyone hearing its drop. */
  queueUpdated(update: QueueUpdated): void;
  /** To the shopper's room: their turn has come. */
  queueAdmitted(userId: string, admitted: QueueAdmitted): void;
  /** To the buyer's room: `purchaseUpdated`. */
  purchaseUpdated(userId: string, purchase: Purchase): void;
  /** To the shopper's room: `preorderUpdated`, on every status change of their pre-order. */
  preorderUpdated(userId: string, preorder: Preorder): void;
}
