import { createHash } from "node:crypto";
import type { Options } from "express-rate-limit";
import type pg from "pg";
import { AppError } from "../errors.js";
import { PostgresRateLimitStore } from "../http/rate-limit-store.js";
import type { Channel } from "../notifications/templates.js";

const HOUR_MS = 60 * 60_000;

/**
 * How many codes go out. Constants, not settings, like the code's lifetime:
 * - per address, whoever asks and from wherever, by the hour and by the day:
 *   what stops anyone from flooding one inbox or phone, and what bounds the
 *   guesses at someone else's address (5 tries a code: 50 a day). Past it a
 *   code is silently not sent, so the answer says nothing about what others
 *   asked for that address;
 * - per shopper and channel: resending and retyping; past it, 429;
 * - per client IP: what stops one machine from mailing many addresses; past
 *   it, 429. Venues and carriers share addresses, hence the larger number.
 */
export const CODES_PER_ADDRESS = { limit: 5, windowMs: HOUR_MS };
export const CODES_PER_ADDRESS_DAY = { limit: 10, windowMs: 24 * HOUR_MS };
export const CODES_PER_SHOPPER = { limit: 5, windowMs: HOUR_MS };
export const CODES_PER_IP = { limit: 30, windowMs: HOUR_MS };

export interface CodeRequest {
  /** The shopper asking (a new session's id included). */
  userId: string;
  channel: Channel;
  address: string;
  /** The client's IP as the rate limits key it (express-rate-limit's ipKeyGenerator). */
  ipKey: string;
}

export interface CodeBudgets {
  /**
   * Counts one code about to be sent: throws RATE_LIMITED (details.retryAfterSeconds)
   * when the shopper or the IP is over its budget, resolves false when the
   * address is (the code is then not sent, and nobody is told).
   */
  take(request: CodeRequest): Promise<boolean>;
}

/** Off (everything allowed) with RATE_LIMITS=off, as every other limit. */
export function createCodeBudgets(pool: pg.Pool, enabled: boolean): CodeBudgets {
  if (!enabled) return { take: async () => true };
  const perShopper = budget(pool, "contact-codes-shopper", CODES_PER_SHOPPER);
  const perIp = budget(pool, "contact-codes-ip", CODES_PER_IP);
  const perAddress = budget(pool, "contact-codes-address-hour", CODES_PER_ADDRESS);
  const perAddressDay = budget(pool, "contact-codes-address-day", CODES_PER_ADDRESS_DAY);
  return {
    async take(request) {
      for (const [count, key] of [
        [perShopper, `${request.userId}:${request.channel}`],
        [perIp, request.ipKey],
      ] as const) {
        const retryAfterSeconds = await count(key);
        if (retryAfterSeconds !== undefined) {
          throw new AppError("RATE_LIMITED", "Too many codes asked for; wait for the time in Retry-After and try again.", { retryAfterSeconds });
        }
      }
      // Hashed: the counter table holds no addresses, and a 254-character one would not fit its key.
      const addressKey = createHash("sha256").update(`${request.channel}:${request.address.toLowerCase()}`).digest("hex");
      const [hour, day] = await Promise.all([perAddress(addressKey), perAddressDay(addressKey)]);
      return hour === undefined && day === undefined;
    },
  };
}

/**
 * One budget in the rate-limit store every other limit uses (PostgreSQL,
 * shared by all processes and instances): counts a use of `key` and
 * resolves the seconds until its window ends when that use is over the
 * limit, undefined when it is within it. If the store fails the use is let
 * through, as for every limit: a limit must never take the shop down.
 */
function budget(pool: pg.Pool, name: string, { limit, windowMs }: { limit: number; windowMs: number }) {
  const store = new PostgresRateLimitStore(pool, `rl:${name}`);
  // The store reads only these two of express-rate-limit's options.
  store.init({ windowMs, limit } as Options);
  return async (key: string): Promise<number | undefined> => {
    let info;
    try {
      info = await store.increment(key);
    } catch {
      return undefined;
    }
    if (info.totalHits <= limit) return undefined;
    return Math.max(1, Math.ceil(((info.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000));
  };
}
