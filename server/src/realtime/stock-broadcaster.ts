import type { StockUpdated } from "./events.js";

/**
 * Sends `stockUpdated` at most once per `intervalMs` per drop, latest version
 * wins. The first change after a quiet spell goes out at once; changes in a
 * burst are folded into one message at the end of the interval, so the final
 * state always arrives, within one interval of the change.
 */
export class StockBroadcaster {
  private readonly lastSentAt = new Map<string, number>();
  private readonly lastSentVersion = new Map<string, number>();
  private readonly pending = new Map<string, StockUpdated>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly send: (update: StockUpdated) => void,
    /** Read at every change, so the interval can follow the size of the audience. */
    private readonly intervalMs: number | (() => number) = 50,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(update: StockUpdated): void {
    // Commits of one drop can finish their notifications out of order; an older version adds nothing.
    if (update.version <= (this.lastSentVersion.get(update.dropId) ?? 0)) return;
    const queued = this.pending.get(update.dropId);
    if (queued && queued.version >= update.version) return;
    this.pending.set(update.dropId, update);
    if (this.timers.has(update.dropId)) return;
    const interval = typeof this.intervalMs === "number" ? this.intervalMs : this.intervalMs();
    const wait = (this.lastSentAt.get(update.dropId) ?? -Infinity) + interval - this.now();
    if (wait <= 0) this.flush(update.dropId);
    else this.timers.set(update.dropId, setTimeout(() => this.flush(update.dropId), wait));
  }

  private flush(dropId: string): void {
    this.timers.delete(dropId);
    const update = this.pending.get(dropId);
    if (!update) return;
    this.pending.delete(dropId);
    this.lastSentAt.set(dropId, this.now());
    this.lastSentVersion.set(dropId, update.version);
    this.send(update);
  }

  /** Sends whatever is waiting now (at shutdown). */
  flushAll(): void {
    for (const [dropId, timer] of this.timers) {
      clearTimeout(timer);
      this.flush(dropId);
    }
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
