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

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isOurId = (id: string) => UUID_PATTERN.test(id);

/**
 * Our ids in their one spelling (lower case). PostgreSQL reads any casing of a
 * uuid, but everything keyed by id in memory (the per-drop gate, the sold-out
 * cache) and every answer must see one id, not one per casing.
 */
export const canonicalId = (id: string) => (isOurId(id) ? id.toLowerCase() : id);

/** Ids are opaque strings; anything that is not one of ours simply matches nothing. */
export const opaqueId = z.string({ message: "must be a string id" }).min(1, "must not be empty").max(100, "is too long").transform(canonicalId);

// A UTF-16 surrogate without its pair (JSON allows "\ud800") has no UTF-8 form,
// so PostgreSQL refuses it; control characters belong in no text of ours.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- finding control characters is what these two are for
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- as above, with tab and line breaks allowed
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** Free text that PostgreSQL can store and a page can show: trimmed, well-formed, no control characters. */
export function plainText(max: number, options: { multiline?: boolean } = {}) {
  return z
    .string({ message: "must be a string" })
    .trim()
    .max(max, `must be at most ${max.toLocaleString("en-US")} characters`)
    .refine((text) => !LONE_SURROGATE.test(text), "must be valid Unicode text (it contains an unpaired surrogate)")
    .refine((text) => !(options.multiline ? CONTROL_BUT_LINES : CONTROL).test(text), "must not contain control characters");
}

/** An absolute https:// URL (images on a public page must not be mixed content), kept in its normalised form. */
export const httpsUrl = z
  .string({ message: "must be a string" })
  .trim()
  .max(2048, "must be at most 2,048 characters")
  .refine((text) => !LONE_SURROGATE.test(text), "must be valid Unicode text (it contains an unpaired surrogate)")
  .transform((text, ctx) => {
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (!url || url.protocol !== "https:" || !url.hostname || url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "must be an https:// URL" });
      return z.NEVER;
    }
    return url.href;
  })
  .refine((href) => href.length <= 2048, "must be at most 2,048 characters");
