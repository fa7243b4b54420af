import { randomInt } from "node:crypto";

/** A source of uniform integers in [0, max): crypto in production, a seeded generator in tests. */
export type RandomInt = (max: number) => number;

export const cryptoRandomInt: RandomInt = (max) => randomInt(max);

/**
 * Fisher-Yates: every one of the n! orders is equally likely when `random` is
 * uniform. Each step draws an unbiased integer (node's randomInt rejects the
 * values that would favour small numbers), unlike sorting by a random key or
 * taking `Math.random() * n`, which are both slightly biased.
 */
export function shuffle<T>(items: readonly T[], random: RandomInt = cryptoRandomInt): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
