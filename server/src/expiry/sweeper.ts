import type { Db } from "../db/prisma.js";
import { deleteOldIdempotencyKeys } from "../idempotency/idempotency.sql.js";
import { logger } from "../log.js";
import { publishStockChange, type StockOutlets } from "../realtime/publish.js";
import { callExpireDueHolds } from "./sweeper.sql.js";
import { errorMessage } from "../errors.js";

/** Releases every lapsed hold (up to `maxDrops` drops per call) and tells browsers. Returns holds expired. */
export async function expireDueHolds(db: Db, out: StockOutlets, maxDrops = 200): Promise<number> {
  const sentAt = Date.now();
  const rows = await callExpireDueHolds(db, maxDrops);
  const receivedAt = Date.now();
  let expired = 0;
  for (const row of rows) {
    if (row.drop_id === null) {
      // The database clock, read in the same round trip: it keeps serverTime honest.
      out.clock.observe(row.decided_at, sentAt, receivedAt);
      continue;
    }
    publishStockChange(out, row.drop_id, row);
    expired += row.expired.length;
  }
  return expired;
}

export interface Sweeper {
  stop(): Promise<void>;
}

/**
 * Runs expireDueHolds every `intervalMs`. Runs never overlap (each schedules the
 * next), and a failed run (database down) is logged and retried on the next tick.
 */
export function startSweeper(db: Db, out: StockOutlets, intervalMs: number): Sweeper {
  let timer: NodeJS.Timeout | undefined;
  let lastHousekeeping = performance.now();
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = () => {
    const started = performance.now();
    running = expireDueHolds(db, out)
      .then(async (expired) => {
        const seconds = (performance.now() - started) / 1000;
        out.metrics.sweepDuration.observe(seconds);
        out.metrics.lastSweepAt.set(Date.now() / 1000);
        if (expired > 0) logger.info({ event: "holds.expired", count: expired, ms: Math.round(seconds * 1000) });
        if (started - lastHousekeeping >= 60_000) {
          lastHousekeeping = started;
          await deleteOldIdempotencyKeys(db);
        }
      })
      .catch((error: unknown) => logger.warn({ event: "sweep.failed", error: errorMessage(error) }))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, Math.max(0, intervalMs - (performance.now() - started)));
      });
  };
  timer = setTimeout(tick, intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
