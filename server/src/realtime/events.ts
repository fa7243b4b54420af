import { z } from "zod";
import { dropViewSchema, topPurchaserSchema } from "../drops/drops.schemas.js";
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
});
export type StockUpdated = z.infer<typeof stockUpdatedSchema>;

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

export const publicDropSchema = dropViewSchema.omit({ myReservation: true, myPurchasedQuantity: true });
export type PublicDrop = z.infer<typeof publicDropSchema>;

export interface ServerToClientEvents {
  stockUpdated: (payload: StockUpdated) => void;
  purchaseCompleted: (payload: PurchaseCompleted) => void;
  dropCreated: (payload: PublicDrop) => void;
  dropUpdated: (payload: PublicDrop) => void;
  reservationExpired: (payload: ReservationExpired) => void;
  reservationUpdated: (payload: ReservationUpdated) => void;
}

// Clients only listen; every action goes through the HTTP API.
export type ClientToServerEvents = Record<string, never>;
