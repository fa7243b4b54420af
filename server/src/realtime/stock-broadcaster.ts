import { PerDropCoalescer } from "./coalescer.js";
import type { StockUpdated } from "./events.js";

/**
 * `stockUpdated` at most once per interval per drop, the latest version:
 * the first change after a quiet spell goes out at once, a burst is folded
 * into one message at the end of the interval, so the final state always
 * arrives within one interval of the change. The interval is the fan-out
 * budget's (fanout-budget.ts) when given as a function of the drop.
 */
export class StockBroadcaster extends PerDropCoalescer<StockUpdated> {
  constructor(send: (update: StockUpdated) => void, intervalMs: number | ((dropId: string) => number) = 50, now: () => number = () => performance.now()) {
    super(send, {
      keyOf: (update) => update.dropId,
      intervalMs,
      now,
      // Commits of one drop can finish their notifications out of order; an older version adds nothing.
      isStale: (update, { queued, sent }) => update.version <= (sent?.version ?? 0) || (queued !== undefined && queued.version >= update.version),
    });
  }
}
