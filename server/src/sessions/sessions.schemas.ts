import { z } from "zod";
import { reservationSchema } from "../reservations/reservations.schemas.js";
import { preorderSchema } from "../preorders/preorders.schemas.js";
import { purchaseSchema } from "../purchases/purchases.schemas.js";

/** Where order emails go, once confirmed; the database column holds 254 characters, the longest address SMTP carries. */
export const emailField = z
  .string({ message: "must be a string" })
  .trim()
  .max(254, "must be at most 254 characters")
  .pipe(z.email({ message: "must be an email address like name@example.com" }));

/** E.164, as SMS gateways take it: a plus, a country code, at most 15 digits in all. */
export const phoneField = z
  .string({ message: "must be a string" })
  .regex(/^\+[1-9][0-9]{6,14}$/, "must be an E.164 phone number: + then country code and number, digits only, like +4915112345678");

export const createSessionBody = z.object({
  username: z
    .string({ message: "must be a string" })
    .regex(/^[A-Za-z0-9_]{3,32}$/, "must be 3-32 characters of letters, digits and underscore"),
  email: emailField.nullish(),
  phone: phoneField.nullish(),
});
export type CreateSessionInput = z.infer<typeof createSessionBody>;

/** A change to the shopper's contact details: null clears a field, an absent one stays as it is; nothing else can change here. */
export const updateMeBody = z.strictObject(
  { email: emailField.nullable().optional(), phone: phoneField.nullable().optional() },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `${issue.keys.map((key) => `"${key}"`).join(", ")} cannot be changed here; only "email" and "phone" can` : undefined) },
);
export type UpdateMeInput = z.infer<typeof updateMeBody>;

/**
 * `email` and `phone` are the addresses the shopper set, confirmed or not (what
 * clients always read back); `emailConfirmed` / `phoneConfirmed` say whether
 * its owner entered the code sent to it. Only a confirmed address gets
 * messages; an unconfirmed one gets nothing but its code.
 */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  emailConfirmed: z.boolean(),
  phoneConfirmed: z.boolean(),
});
export type User = z.infer<typeof userSchema>;

export const sessionResponse = z.object({ token: z.string(), user: userSchema });
export type SessionResponse = z.infer<typeof sessionResponse>;

export const updateMeResponse = z.object({ user: userSchema });

/** POST /api/me/email/verify and /api/me/phone/verify: the code sent to the pending address. */
export const verifyCodeBody = z.object({
  code: z
    .string({ message: "must be a string" })
    .trim()
    .regex(/^[0-9]{6}$/, "must be the 6-digit code that was sent"),
});
export type VerifyCodeInput = z.infer<typeof verifyCodeBody>;
export type UpdateMeResponse = z.infer<typeof updateMeResponse>;

export const meResponse = z.object({
  user: userSchema,
  reservations: z.array(reservationSchema),
  purchases: z.array(purchaseSchema),
  preorders: z.array(preorderSchema),
});
export type MeResponse = z.infer<typeof meResponse>;
