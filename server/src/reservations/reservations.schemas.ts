import { z } from "zod";
import { opaqueId } from "../values/ids.js";

// The hold as shoppers see it is shared with drop views, history and socket events,
// so it is defined below them all, in stock/hold-view.ts; it is still this feature's answer.
export { reservationSchema, type Reservation, type ReservationStatus } from "../stock/hold-view.js";

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
