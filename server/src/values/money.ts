import { z } from "zod";

/** Money travels as decimal strings with two places ("199.99"), never as floats. */
export const MONEY_PATTERN = /^\d{1,10}(\.\d{1,2})?$/;

export function normalizeMoney(value: string): string {
  // split always yields a first part; MONEY_PATTERN has made it digits.
  const [whole = "0", fraction = ""] = value.split(".");
  return `${BigInt(whole).toString()}.${fraction.padEnd(2, "0")}`;
}

/** Price as "199.99" or 199.99: positive, at most two decimal places, returned as a normalised string. */
export const money = z
  .union([z.string().trim(), z.number()], { message: "must be a decimal string like \"199.99\" or a number" })
  .refine((value) => MONEY_PATTERN.test(String(value)), "must be a positive amount with at most 2 decimal places and 10 digits before the point")
  .transform((value) => normalizeMoney(String(value)))
  .refine((value) => value !== "0.00", "must be greater than zero");

/** "10.01" x 3 = "30.03": exact, in cents, for any amount the database's DECIMAL(12,2) holds. */
export function multiplyMoney(amount: string, times: number): string {
  const [whole = "0", fraction = ""] = amount.split(".");
  const cents = (BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0").slice(0, 2))) * BigInt(times);
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;
}
