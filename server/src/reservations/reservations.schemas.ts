import { z } from "zod";
import { opaqueId } from "../values/ids.js";

export const reservationStatusSchema = z.enum(["active", "completed", "expired", "cancelled"]);
export type ReservationStatus = z.infer<typeof reservationStatusSchema>;

export const reservationSchema = z.object({
  id: z.string(),
  dropId: z.string(),
  quantity: z.number().int(),
  status: reservationStatusSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
  serverTime: z.string(),
});
export type Reservation = z.infer<typeof reservationSchema>;

export const createReservationBody = z.object({
  dropId: opaqueId,
  quantity: z
    .number({ message: "must be a whole number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(100, "must be at most 100")
    .default(1),
});
export type CreateReservationInput = z.infer<typeof createReservationBody>;
