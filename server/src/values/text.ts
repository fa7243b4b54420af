import { z } from "zod";

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
