import { createHash, timingSafeEqual } from "node:crypto";
import { verifyShopperToken, type ShopperIdentity } from "../auth/tokens.js";
import type { Secrets } from "../auth/secrets.js";

/** Enough for a drop's whole crowd arriving within the TTL; each entry is a token string and two short ones. */
export const VERIFIED_TOKENS_MAX = 100_000;
/** Short: a token is a pure function of the secret, so this only bounds how long memory is held, not correctness. */
export const VERIFIED_TOKENS_TTL_MS = 60_000;

interface Entry {
  shopper: ShopperIdentity;
  until: number;
}

/**
 * Shopper tokens already verified, keyed by the whole token string: a token
 * differing in any byte (a tampered signature, another name) is a miss and is
 * verified afresh, so the cache can only ever answer what the HMAC would.
 * A crowd retrying a sold-out drop presents the same token again and again;
 * this spares the HMAC and the admin-token comparison each time.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();
  /** sameSecret's comparison with the admin token, its side hashed once rather than per token. */
  private readonly adminDigest: Buffer;

  constructor(
    private readonly secrets: Secrets,
    private readonly maxEntries = VERIFIED_TOKENS_MAX,
    private readonly ttlMs = VERIFIED_TOKENS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.adminDigest = sha256(secrets.adminToken);
  }

  /** The shopper a token names, or undefined for the admin token, a bad token or anything else. */
  shopper(token: string): ShopperIdentity | undefined {
    const now = this.now();
    const known = this.entries.get(token);
    if (known && known.until > now) return known.shopper;
    if (known) this.entries.delete(token);
    if (timingSafeEqual(sha256(token), this.adminDigest)) return undefined;
    const shopper = verifyShopperToken(this.secrets.sessionSecret, token);
    if (!shopper) return undefined;
    // Map keeps insertion order: the oldest entry goes first when full.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { shopper, until: now + this.ttlMs });
    return shopper;
  }

  get size(): number {
    return this.entries.size;
  }
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();
