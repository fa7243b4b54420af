/** Currencies Stripe counts in whole units (no cents) and in thousandths; every other one in hundredths. */
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

export function minorUnitDigits(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/**
 * "398.50" -> 39850 for eur: by digits, never through a float ("0.29" * 100
 * is 28.999999999999996). A price with more decimals than the currency has
 * cannot be charged exactly, so it is refused rather than rounded.
 */
export function toMinorUnits(amount: string, currency: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) throw new Error(`amount "${amount}" is not a decimal string`);
  const digits = minorUnitDigits(currency);
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > digits) throw new Error(`amount "${amount}" has more decimals than ${currency.toUpperCase()} allows`);
  const minor = BigInt(match[1] ?? "0") * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`amount "${amount}" is too large`);
  return Number(minor);
}
