// The server's zod-inferred types, imported as types only: nothing from the
// server (or zod) is bundled, and a contract change breaks `npm run typecheck`.
export type { DropList, DropStatus, DropView, TopPurchaser } from "../../../server/src/drops/drops.schemas";
export type { Reservation, ReservationStatus } from "../../../server/src/reservations/reservations.schemas";
export type { Purchase } from "../../../server/src/purchases/purchases.schemas";
export type { MeResponse, SessionResponse, User } from "../../../server/src/sessions/sessions.schemas";
export type {
  PublicDrop,
  PurchaseCompleted,
  ReservationExpired,
  ReservationUpdated,
  ServerToClientEvents,
  StockUpdated,
} from "../../../server/src/realtime/events";

/** One entry of a 400 VALIDATION_ERROR's `details`. */
export interface FieldProblem {
  path: string;
  message: string;
}
