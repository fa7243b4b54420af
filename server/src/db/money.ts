/** Money travels as decimal strings with two places ("199.99"), never as floats. */
export const MONEY_PATTERN = /^\d{1,10}(\.\d{1,2})?$/;

export function normalizeMoney(value: string): string {
  const [whole, fraction = ""] = value.split(".");
  return `${BigInt(whole!).toString()}.${fraction.padEnd(2, "0")}`;
}
