import { z } from "zod";

// A UTF-16 surrogate without its pair (JSON allows "\ud800") has no UTF-8 form,
// so PostgreSQL refuses it; control characters (C0, DEL and C1) belong in no text of ours.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- finding control characters is what these two are for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- as above, with tab and line breaks allowed
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and the marks U+200E, U+200F,
// U+061C reorder how the text around them is shown: a name can display another price, "gpj.exe" reads
// "exe.jpg", and an override left open spills into whatever the page shows next. Right-to-left
// letters need none of them: the browser orders those by itself.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
const BIDI_MESSAGE = "must not contain text-direction control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)";

/** Free text that PostgreSQL can store and a page can show as sent: trimmed, well-formed, no control characters. */
export function plainText(max: number, options: { multiline?: boolean } = {}) {
  return z
    .string({ message: "must be a string" })
    .trim()
    .max(max, `must be at most ${max.toLocaleString("en-US")} characters`)
    .refine((text) => !LONE_SURROGATE.test(text), "must be valid Unicode text (it contains an unpaired surrogate)")
    .refine((text) => !(options.multiline ? CONTROL_BUT_LINES : CONTROL).test(text), "must not contain control characters")
    .refine((text) => !BIDI_CONTROL.test(text), BIDI_MESSAGE);
}

/** plainText that must not be empty once trimmed. */
export function requiredText(max: number) {
  return plainText(max).refine((text) => text.length > 0, "must not be empty");
}

/** An absolute https:// URL (images on a public page must not be mixed content), kept in its normalised form. */
export const httpsUrl = z
  .string({ message: "must be a string" })
  .trim()
  .max(2048, "must be at most 2,048 characters")
  .refine((text) => !LONE_SURROGATE.test(text), "must be valid Unicode text (it contains an unpaired surrogate)")
  // The URL parser would quietly drop or percent-encode these; a link that hides part of itself is refused instead.
  .refine((text) => !CONTROL.test(text), "must not contain control characters")
  .refine((text) => !BIDI_CONTROL.test(text), BIDI_MESSAGE)
  .transform((text, ctx) => {
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (!url || url.protocol !== "https:" || !url.hostname || url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "must be an https:// URL" });
      return z.NEVER;
    }
    return url.href;
  })
  .refine((href) => href.length <= 2048, "must be at most 2,048 characters");
