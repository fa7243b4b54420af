import { z } from "zod";

/** An ISO-8601 instant with an explicit offset, within years PostgreSQL and browsers both handle well. */
export const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO-8601 time with a timezone, e.g. 2026-12-01T18:00:00Z" })
  .transform((value) => new Date(value))
  .refine((date) => date.getUTCFullYear() >= 2000 && date.getUTCFullYear() <= 2999, "must be between the years 2000 and 2999");
