import type pg from "pg";
import type { ServerClock } from "./clock.js";
import type { Config } from "./config.js";
import type { Db } from "./db/prisma.js";
import type { PaymentGateway } from "./payments/gateway.js";
import type { JobEngine } from "./jobs/engine.js";
import type { Metrics } from "./observability/metrics.js";
import type { OwnerLock } from "./idempotency/owner-lock.js";
import type { ClosedLines } from "./queue/closed-lines.js";
import type { Notifier } from "./realtime/notifier.js";
import type { DropGate } from "./stock/drop-gate.js";
import type { SoldOutCache } from "./stock/sold-out-cache.js";

/** What the domain services need, passed in so they run the same under HTTP, tests and scripts. */
export interface Services {
  db: Db;
  /** The pg pool under Prisma, for the one call too hot for Prisma's overhead (taking a hold). */
  pool: pg.Pool;
  notifier: Notifier;
  payments: PaymentGateway;
  clock: ServerClock;
  /** Answers OUT_OF_STOCK without the database while a drop is known to be sold out. */
  soldOut: SoldOutCache;
  /** Bounds how many holds per drop wait on its row lock at once. */
  gate: DropGate;
  /**
   * Bounds how many joins per waiting room are in the database at once: a
   * surge of joins then queues here, not in the pool's queue ahead of the
   * holds of the shoppers already let in.
   */
  lineGate: DropGate;
  /** Waiting rooms known to be closed: their joins are answered without the database. */
  closedLines: ClosedLines;
  metrics: Metrics;
  /** This process's advisory lock: tells retries whether an unfinished Idempotency-Key claim still has a live owner. */
  ownerLock: Pick<OwnerLock, "current">;
  /** Durable background work (pg-boss): checkout resumes, outbox deliveries. */
  jobs: JobEngine;
  config: Pick<Config, "holdSeconds" | "rateLimits" | "checkout">;
}
