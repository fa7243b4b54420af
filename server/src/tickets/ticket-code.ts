import { randomInt } from "node:crypto";

// The confirmation code's alphabet (no 0/O, 1/I/L): a ticket code may be typed in at the door.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const LENGTH = 26;

/** e.g. "T-7KQ3MX9PAT...": 26 symbols of 31, 128 bits of randomness: not guessable, not derived from anything. */
export function newTicketCode(): string {
  return `T-${Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("")}`;
}

/** What a ticket code can look like, checked before any query. */
export const ticketCodePattern = /^T-[A-HJ-NP-Z2-9]{26}$/;
