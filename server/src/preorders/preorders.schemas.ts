import { z } from "zod";
import { opaqueId } from "../values/ids.js";
import { requiredText } from "../values/text.js";

export const preorderStatus = z.enum([
  "placed",
  "paid",
  "reserved",
  "awaiting_fulfillment",
  "fulfilling",
  "picked_up",
  "delivered",
  "rejected",
  "cancelled",
  "timed_out",
]);
export type PreorderStatus = z.infer<typeof preorderStatus>;

export const compensationStep = z.enum(["release_inventory", "refund_payment"]);
export type CompensationStep = z.infer<typeof compensationStep>;

export const preorderSchema = z.object({
  id: z.string(),
  dropId: z.string(),
  quantity: z.number().int(),
  amountPaid: z.string(),
  status: preorderStatus,
  releaseAt: z.string(),
  fulfillBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Each compensation step's latest outcome, in the order they run. */
  compensations: z.array(z.object({ step: compensationStep, status: z.enum(["done", "failed"]), at: z.string() })),
  /** Why a rejected order was refused (card_declined, out_of_stock...). */
  failureReason: z.string().optional(),
  /** The admin's lists only. */
  username: z.string().optional(),
});
export type Preorder = z.infer<typeof preorderSchema>;

export const placePreorderBody = z.object({
  dropId: opaqueId,
  quantity: z.number({ message: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").optional(),
  payment: z.object({ method: requiredText(64) }).optional(),
});
export type PlacePreorderInput = z.infer<typeof placePreorderBody>;

export const compensationLogSchema = z.object({
  entries: z.array(z.object({ step: compensationStep, status: z.enum(["done", "failed"]), attempt: z.number().int(), at: z.string(), error: z.string().optional() })),
});

export const adminPreordersQuery = z.object({
  dropId: opaqueId.optional(),
  status: preorderStatus.optional(),
});

/** The pre-order fields of a drop (admin create and edit). */
const seconds = (min: number, max: number) =>
  z.number({ message: "must be a whole number of seconds" }).int("must be a whole number of seconds").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
export const preorderDropFields = {
  kind: z.enum(["drop", "preorder"], { message: 'must be "drop" or "preorder"' }),
  fulfillGraceSeconds: seconds(5, 31_536_000),
  pickupReminderSeconds: seconds(5, 604_800),
};
