import type { Preorder } from "../preorders/preorders.schemas.js";
import type { Purchase } from "../purchases/purchases.schemas.js";
import { z } from "zod";
import { dropViewSchema, topPurchaserSchema } from "../drops/drops.schemas.js";
import type { QueueAdmitted, QueueUpdated } from "../queue/queue.schemas.js";
import { reservationSchema } from "../stock/hold-view.js";
import { dropStatusSchema } from "../stock/stock.js";

/** Socket payloads, shared by server, client and tests (API.md, "Socket.IO"). */
export const stockUpdatedSchema = z.object({
  dropId: z.string(),
  availableStock: z.number().int(),
  heldStock: z.number().int(),
  soldStock: z.number().int(),
  status: dropStatusSchema,
  version: z.number().int(),
  /** The database's time of the change (ISO-8601 with milliseconds), so delivery delay can be measured exactly. */
  committedAt: z.string(),
});
export type StockUpdated = z.infer<typeof stockUpdatedSchema>;

/** Client -> server: hear `stockUpdated` and `purchaseCompleted` for these drops only, until the next `watch`. */
export const watchSchema = z.object({ dropIds: z.array(z.string().max(100)).max(100) });
export type Watch = z.infer<typeof watchSchema>;
export type WatchAnswer = { dropIds: string[] } | { error: "VALIDATION_ERROR" };

export const purchaseCompletedSchema = z.object({
  dropId: z.string(),
  username: z.string(),
  quantity: z.number().int(),
  topPurchasers: z.array(topPurchaserSchema),
});
export type PurchaseCompleted = z.infer<typeof purchaseCompletedSchema>;

export const reservationExpiredSchema = z.object({ reservationId: z.string(), dropId: z.string() });
export type ReservationExpired = z.infer<typeof reservationExpiredSchema>;

export const reservationUpdatedSchema = z.object({ reservation: reservationSchema });
export type ReservationUpdated = z.infer<typeof reservationUpdatedSchema>;

export { queueAdmittedSchema, queueUpdatedSchema, type QueueAdmitted, type QueueUpdated } from "../queue/queue.schemas.js";

export const publicDropSchema = dropViewSchema.omit({ myReservation: true, myPurchasedQuantity: true });
export type PublicDrop = z.infer<typeof publicDropSchema>;

export interface PurchaseUpdated {
  purchase: Purchase;
}

export interface ServerToClientEvents {
  stockUpdated: (payload: StockUpdated) => void;
  purchaseCompleted: (payload: PurchaseCompleted) => void;
  dropCreated: (payload: PublicDrop) => void;
  dropUpdated: (payload: PublicDrop) => void;
  reservationExpired: (payload: ReservationExpired) => void;
  reservationUpdated: (payload: ReservationUpdated) => void;
  queueUpdated: (payload: QueueUpdated) => void;
  queueAdmitted: (payload: QueueAdmitted) => void;
  /** To the buyer: their purchase changed state (a 202 "processing" that completed or failed). */
  purchaseUpdated: (payload: PurchaseUpdated) => void;
  /** To the shopper: their pre-order changed status (placed, reserved, fulfilling, cancelled and compensated...). */
  preorderUpdated: (payload: { preorder: Preorder }) => void;
}

// Clients say only what they want to hear; every action goes through the HTTP API.
export interface ClientToServerEvents {
  /** The optional acknowledgement says which drops the socket now hears (or why nothing changed). */
  watch: (payload: Watch, ack?: (answer: WatchAnswer) => void) => void;
}
