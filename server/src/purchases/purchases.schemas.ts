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

export const createPurchaseBody = z.object({ reservationId: opaqueId });
