import { PerDropCoalescer } from "./coalescer.js";
import type { StockUpdated } from "./events.js";

/**
 * `stockUpdated` at most once per `intervalMs` per drop, the latest version:
 * the first change after a quiet spell goes out at once, a burst is folded
 * into one message at the end of the interval, so the final state always
 * arrives within one interval of the change.
 */
export class StockBroadcaster extends PerDropCoalescer<StockUpdated> {
  constructor(send: (update: StockUpdated) => void, intervalMs: number | (() => number) = 50, now: () => number = () => performance.now()) {
    // Commits of one drop can finish their notifications out of order; an older version adds nothing.
    super(send, intervalMs, now, (update, { queued, sent }) => update.version <= (sent?.version ?? 0) || (queued !== undefined && queued.version >= update.version));
  }
}

/**
 * The coalescing interval for an audience of `sockets`: 50 ms up to a
 * thousand, 50 ms more per thousand after that (each message is written to
 * every socket: a busy drop then costs about 20,000 writes a second, not 40,000
 * for 2,000 open pages, which starved the 50,000-shopper waiting-room run), and
 * never more than 200 ms, so the final state still arrives well within
 * API.md's 250 ms.
 */
export function intervalForAudience(sockets: number): number {
  return Math.min(200, 50 * Math.max(1, Math.ceil(sockets / 1_000)));
}
