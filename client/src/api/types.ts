// The server's zod-inferred types, imported as types only, so a contract change
// breaks `npm run typecheck`. (The socket payload schemas themselves are bundled,
// in a lazy chunk: src/lib/socket-payloads.ts.)
export type { DropList, DropStatus, DropView, TopPurchaser } from "../../../server/src/drops/drops.schemas";
export type { Reservation, ReservationStatus } from "../../../server/src/reservations/reservations.schemas";
export type { Purchase, PurchaseStatus, Ticket } from "../../../server/src/purchases/purchases.schemas";
export type { MeResponse, SessionResponse, User } from "../../../server/src/sessions/sessions.schemas";
export type { FailuresResponse, TimelineEvent } from "../../../server/src/timeline/timeline.schemas";
export type {
  QueueAdmitted,
  QueueEntry,
  QueueEntryStatus,
  QueueSettingsInput,
  QueueState,
  QueueUpdated,
  QueueView,
} from "../../../server/src/queue/queue.schemas";
export type {
  PublicDrop,
  PurchaseCompleted,
  PurchaseUpdated,
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
