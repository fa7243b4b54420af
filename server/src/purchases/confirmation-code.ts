import { randomInt } from "node:crypto";

// No 0/O or 1/I/L: codes get read aloud at a pickup counter.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** e.g. "DL-7KQ3M-X9PAT": 50 bits of randomness, unique in the database. */
export function newConfirmationCode(): string {
  const part = () => Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return `DL-${part()}-${part()}`;
}
