import type { ClientRateLimitInfo, Options, Store } from "express-rate-limit";
import type pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterRes } from "rate-limiter-flexible";

/** The UNLOGGED table the migration creates: counters need no crash safety, and skip the WAL. */
const TABLE = "rate_limits";

/**
 * express-rate-limit's counters kept in PostgreSQL by rate-limiter-flexible,
 * so every process and instance draws on one budget per key. One upsert per
 * counted request; a key over its limit is then answered from memory until
 * its window resets, so a flood from one client costs the database nothing.
 * If PostgreSQL fails, counting falls back to this process's memory (the
 * library's insurance limiter) rather than refusing or failing requests.
 */
export class PostgresRateLimitStore implements Store {
  private limiter: RateLimiterPostgres | undefined;
  private limit = Infinity;
  /** Keys known to be over their limit, with the end of their window. */
  private readonly blocked = new Map<string, { totalHits: number; resetTime: Date }>();

  constructor(
    private readonly pool: pg.Pool,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    const duration = Math.ceil(options.windowMs / 1000);
    // Counts never refuse here: express-rate-limit compares the count with its own limit.
    const points = Number.MAX_SAFE_INTEGER;
    if (typeof options.limit === "number") this.limit = options.limit;
    this.limiter = new RateLimiterPostgres({
      storeClient: this.pool,
      storeType: "pool",
      tableName: TABLE,
      tableCreated: true,
      keyPrefix: this.prefix,
      points,
      duration,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: this.prefix, points, duration }),
    });
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const known = this.blocked.get(key);
    if (known && known.resetTime.getTime() > Date.now()) {
      known.totalHits++;
      return { ...known };
    }
    this.blocked.delete(key);
    const info = toInfo(await this.store().penalty(key, 1));
    if (info.totalHits > this.limit) this.blocked.set(key, { ...info });
    return info;
  }

  async decrement(key: string): Promise<void> {
    await this.store().reward(key, 1);
  }

  async resetKey(key: string): Promise<void> {
    this.blocked.delete(key);
    await this.store().delete(key);
  }

  private store(): RateLimiterPostgres {
    if (!this.limiter) throw new Error("the rate-limit store was used before express-rate-limit initialised it");
    return this.limiter;
  }
}

function toInfo(res: RateLimiterRes): { totalHits: number; resetTime: Date } {
  return { totalHits: res.consumedPoints, resetTime: new Date(Date.now() + Math.max(res.msBeforeNext, 0)) };
}
