import { z } from "zod";
import { instant } from "../values/time.js";

// A drop's waiting room as API.md ("Waiting room") names it: settings an admin
// sends, the line as everyone sees it, and one shopper's place in it.

export const queueStateSchema = z.enum(["not_open", "pre_queue", "admitting", "paused", "closed"]);
export type QueueState = z.infer<typeof queueStateSchema>;

export const queueEntryStatusSchema = z.enum(["pre_queue", "waiting", "admitted", "lapsed", "done", "sold_out", "left"]);
export type QueueEntryStatus = z.infer<typeof queueEntryStatusSchema>;

const wholeNumber = z.number({ message: "must be a whole number" }).int("must be a whole number");

/** Create and PATCH: `null` turns the waiting room off (and empties its line). */
export const queueSettingsBody = z
  .object({
    admitPerSecond: wholeNumber.min(1, "must be at least 1").max(10_000, "must be at most 10,000").default(50),
    admissionSeconds: wholeNumber.min(1, "must be at least 1").max(3600, "must be at most 3600").default(120),
    /** Defaults to 15 minutes before startsAt, and never later than startsAt. */
    opensAt: instant.optional(),
  })
  .nullable();
export type QueueSettingsInput = z.infer<typeof queueSettingsBody>;

export const queueViewSchema = z.object({
  admitPerSecond: z.number().int(),
  admissionSeconds: z.number().int(),
  opensAt: z.string(),
  state: queueStateSchema,
  /** Entries in line (pre-queue or waiting), as last counted: at most half a second old. */
  length: z.number().int(),
  /** The highest number let in so far. */
  admittedThrough: z.number().int(),
});
export type QueueView = z.infer<typeof queueViewSchema>;

export const queueEntrySchema = z.object({
  dropId: z.string(),
  status: queueEntryStatusSchema,
  number: z.number().int().nullable(),
  position: z.number().int().nullable(),
  admittedThrough: z.number().int(),
  admittedUntil: z.string().nullable(),
  estimatedWaitSeconds: z.number().int().nullable(),
  serverTime: z.string(),
});
export type QueueEntry = z.infer<typeof queueEntrySchema>;

/** Socket, to everyone hearing the drop: at most twice a second, and at once when the state changes. */
export const queueUpdatedSchema = z.object({
  dropId: z.string(),
  state: queueStateSchema,
  length: z.number().int(),
  admittedThrough: z.number().int(),
  admitPerSecond: z.number().int(),
});
export type QueueUpdated = z.infer<typeof queueUpdatedSchema>;

/** Socket, to the shopper only: their turn has come. */
export const queueAdmittedSchema = z.object({ dropId: z.string(), admittedUntil: z.string() });
export type QueueAdmitted = z.infer<typeof queueAdmittedSchema>;
