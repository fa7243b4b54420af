import { z } from "zod";
import { reservationSchema } from "../reservations/reservations.schemas.js";
import { purchaseSchema } from "../purchases/purchases.schemas.js";

export const createSessionBody = z.object({
  username: z
    .string({ message: "must be a string" })
    .regex(/^[A-Za-z0-9_]{3,32}$/, "must be 3-32 characters of letters, digits and underscore"),
});
export type CreateSessionInput = z.infer<typeof createSessionBody>;

export const userSchema = z.object({ id: z.string(), username: z.string() });
export type User = z.infer<typeof userSchema>;

export const sessionResponse = z.object({ token: z.string(), user: userSchema });
export type SessionResponse = z.infer<typeof sessionResponse>;

export const meResponse = z.object({
  user: userSchema,
  reservations: z.array(reservationSchema),
  purchases: z.array(purchaseSchema),
});
export type MeResponse = z.infer<typeof meResponse>;
