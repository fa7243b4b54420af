import { z } from "zod";
import { opaqueId } from "../values/ids.js";

export const purchaseSchema = z.object({
  id: z.string(),
  dropId: z.string(),
  reservationId: z.string(),
  quantity: z.number().int(),
  amountPaid: z.string(),
  confirmationCode: z.string(),
  createdAt: z.string(),
});
export type Purchase = z.infer<typeof purchaseSchema>;

export const createPurchaseBody = z.object({
  reservationId: opaqueId,
  /** Absent: the provider's default method (sim_ok for the simulated provider). */
  payment: z.object({ method: z.string({ message: "must be a string" }).min(1, "must not be empty").max(64, "must be at most 64 characters") }).optional(),
});
export type CreatePurchaseInput = z.infer<typeof createPurchaseBody>;
