import { z } from "zod";
import { opaqueId } from "../values/ids.js";
import { requiredText } from "../values/text.js";

export const ticketSchema = z.object({
  id: z.string(),
  /** Unguessable: whoever holds the code holds the ticket. */
  code: z.string(),
  status: z.enum(["valid", "used", "void"]),
});
export type Ticket = z.infer<typeof ticketSchema>;

export const purchaseStatus = z.enum(["processing", "completed", "failed"]);
export type PurchaseStatus = z.infer<typeof purchaseStatus>;

export const purchaseSchema = z.object({
  id: z.string(),
  dropId: z.string(),
  reservationId: z.string(),
  quantity: z.number().int(),
  amountPaid: z.string(),
  /** Set once completed. */
  confirmationCode: z.string().nullable(),
  createdAt: z.string(),
  status: purchaseStatus,
  /** Why a failed purchase failed (card_declined, insufficient_funds, provider_unreachable, hold_ended...). */
  failureReason: z.string().optional(),
  /** One per unit, once completed. */
  tickets: z.array(ticketSchema),
});
export type Purchase = z.infer<typeof purchaseSchema>;

export const createPurchaseBody = z.object({
  reservationId: opaqueId,
  /** Absent: the provider's default method (sim_ok for the simulated provider). */
  payment: z.object({ method: requiredText(64) }).optional(),
});
export type CreatePurchaseInput = z.infer<typeof createPurchaseBody>;
