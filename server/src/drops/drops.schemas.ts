import { z } from "zod";
import { money } from "../values/money.js";
import { httpsUrl, plainText } from "../values/text.js";
import { instant } from "../values/time.js";
import { preorderDropFields } from "../preorders/preorders.schemas.js";
import { queueEntrySchema, queueSettingsBody, queueViewSchema } from "../queue/queue.schemas.js";
import { reservationSchema } from "../stock/hold-view.js";
import { dropStatusSchema } from "../stock/stock.js";

// A drop's status follows from its stock and times, so stock/stock.ts decides it (and defines it).
export type { DropStatus } from "../stock/stock.js";

export const topPurchaserSchema = z.object({
  username: z.string(),
  quantity: z.number().int(),
  purchasedAt: z.string(),
});
export type TopPurchaser = z.infer<typeof topPurchaserSchema>;

export const dropViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  price: z.string(),
  totalStock: z.number().int(),
  availableStock: z.number().int(),
  heldStock: z.number().int(),
  soldStock: z.number().int(),
  startsAt: z.string(),
  endsAt: z.string().nullable(),
  status: dropStatusSchema,
  holdSeconds: z.number().int(),
  maxPerUser: z.number().int(),
  imageUrl: z.string().nullable(),
  description: z.string().nullable(),
  /** null: no waiting room; shoppers reserve directly. */
  queue: queueViewSchema.nullable(),
  /** "preorder": sold through POST /api/preorders, shipping at releaseAt; holds are refused. */
  kind: z.enum(["drop", "preorder"]),
  /** Pre-orders only (null otherwise). */
  releaseAt: z.string().nullable(),
  fulfillGraceSeconds: z.number().int().nullable(),
  pickupReminderSeconds: z.number().int().nullable(),
  version: z.number().int(),
  topPurchasers: z.array(topPurchaserSchema),
  myReservation: reservationSchema.nullable().optional(),
  myPurchasedQuantity: z.number().int().optional(),
  /** With a shopper's token: their place in the drop's line as GET /queue/me answers it, or null (not in line, or no waiting room). */
  myQueueEntry: queueEntrySchema.nullable().optional(),
});
export type DropView = z.infer<typeof dropViewSchema>;

export const dropListSchema = z.object({ drops: z.array(dropViewSchema), serverTime: z.string() });
export type DropList = z.infer<typeof dropListSchema>;

const stock = z.number({ message: "must be a whole number" }).int("must be a whole number").min(0, "must not be negative").max(10_000_000, "must be at most 10,000,000");

const dropFields = {
  name: plainText(120).refine((name) => name.length > 0, "must not be empty"),
  price: money,
  totalStock: stock,
  startsAt: instant,
  endsAt: instant.nullable(),
  holdSeconds: z.number({ message: "must be a whole number" }).int("must be a whole number").min(10, "must be at least 10").max(3600, "must be at most 3600"),
  maxPerUser: z.number({ message: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100"),
  imageUrl: httpsUrl.nullable(),
  description: plainText(2000, { multiline: true })
    .nullable()
    .transform((text) => (text === "" ? null : text)),
};

const endsAfterStart = (body: { startsAt?: Date; endsAt?: Date | null }) =>
  !body.startsAt || !body.endsAt || body.endsAt > body.startsAt;

const opensByStart = (body: { startsAt?: Date; queue?: { opensAt?: Date } | null }) =>
  !body.startsAt || !body.queue?.opensAt || body.queue.opensAt <= body.startsAt;

export const createDropBody = z
  .object({
    name: dropFields.name,
    price: dropFields.price,
    totalStock: dropFields.totalStock,
    startsAt: dropFields.startsAt.optional(),
    endsAt: dropFields.endsAt.optional(),
    holdSeconds: dropFields.holdSeconds.optional(),
    maxPerUser: dropFields.maxPerUser.optional(),
    imageUrl: dropFields.imageUrl.optional(),
    description: dropFields.description.optional(),
    queue: queueSettingsBody.optional(),
    kind: preorderDropFields.kind.optional(),
    releaseAt: instant.optional(),
    fulfillGraceSeconds: preorderDropFields.fulfillGraceSeconds.optional(),
    pickupReminderSeconds: preorderDropFields.pickupReminderSeconds.optional(),
  })
  .refine(endsAfterStart, { message: "must be after startsAt", path: ["endsAt"] })
  .refine(opensByStart, { message: "must not be after startsAt", path: ["queue", "opensAt"] })
  .refine((body) => body.kind !== "preorder" || body.releaseAt !== undefined, { message: "is required for a pre-order drop", path: ["releaseAt"] })
  .refine((body) => body.kind === "preorder" || (body.releaseAt === undefined && body.fulfillGraceSeconds === undefined && body.pickupReminderSeconds === undefined), {
    message: 'is for pre-order drops only (kind "preorder")',
    path: ["kind"],
  })
  .refine((body) => body.kind !== "preorder" || !body.queue, { message: "a pre-order drop has no waiting room", path: ["queue"] });
export type CreateDropInput = z.infer<typeof createDropBody>;

export const updateDropBody = z
  .object({
    name: dropFields.name.optional(),
    price: dropFields.price.optional(),
    totalStock: dropFields.totalStock.optional(),
    startsAt: dropFields.startsAt.optional(),
    endsAt: dropFields.endsAt.optional(),
    holdSeconds: dropFields.holdSeconds.optional(),
    maxPerUser: dropFields.maxPerUser.optional(),
    imageUrl: dropFields.imageUrl.optional(),
    description: dropFields.description.optional(),
    queue: queueSettingsBody.optional(),
    releaseAt: instant.optional(),
    fulfillGraceSeconds: preorderDropFields.fulfillGraceSeconds.optional(),
    pickupReminderSeconds: preorderDropFields.pickupReminderSeconds.optional(),
  })
  .refine(endsAfterStart, { message: "must be after startsAt", path: ["endsAt"] })
  .refine(opensByStart, { message: "must not be after startsAt", path: ["queue", "opensAt"] })
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: "send at least one field to change" });
export type UpdateDropInput = z.infer<typeof updateDropBody>;

export const listDropsQuery = z.object({
  include: z.enum(["ended"], { message: "the only value is \"ended\"" }).optional(),
});
