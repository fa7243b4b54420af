import { z } from "zod";

export const timelineEventSchema = z.object({
  at: z.string(),
  type: z.string(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const failureGroupSchema = z.object({
  type: z.string(),
  reason: z.string(),
  count: z.number().int(),
  reservationIds: z.array(z.string()),
});

export const failuresQuery = z.object({
  sinceSeconds: z.coerce
    .number({ message: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(1, "must be at least 1")
    .max(7 * 86_400, "must be at most 604800 (a week)")
    .default(300),
});

export const failuresResponse = z.object({ since: z.string(), groups: z.array(failureGroupSchema) });
export type FailuresResponse = z.infer<typeof failuresResponse>;
