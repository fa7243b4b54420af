import { z } from "zod";
import { MONEY_PATTERN, normalizeMoney } from "../db/money.js";

/** An ISO-8601 instant with an explicit offset, within years PostgreSQL and browsers both handle well. */
export const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO-8601 time with a timezone, e.g. 2026-12-01T18:00:00Z" })
  .transform((value) => new Date(value))
  .refine((date) => date.getUTCFullYear() >= 2000 && date.getUTCFullYear() <= 2999, "must be between the years 2000 and 2999");

/** Price as "199.99" or 199.99: positive, at most two decimal places, returned as a normalised string. */
export const money = z
  .union([z.string().trim(), z.number()], { message: "must be a decimal string like \"199.99\" or a number" })
  .refine((value) => MONEY_PATTERN.test(String(value)), "must be a positive amount with at most 2 decimal places and 10 digits before the point")
  .transform((value) => normalizeMoney(String(value)))
  .refine((value) => value !== "0.00", "must be greater than zero");

/** Ids are opaque strings; anything that is not one of ours simply matches nothing. */
export const opaqueId = z.string({ message: "must be a string id" }).min(1, "must not be empty").max(100, "is too long");

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isOurId = (id: string) => UUID_PATTERN.test(id);
