import type { StockChange } from "./notifier.js";

/** One drop's changes of one batch: the newest levels, and every shopper any of them involved. */
export interface BatchedStockChange extends Omit<StockChange, "shopperId"> {
  shopperIds: string[];
}

/**
 * Carries this process's stock changes to the other server processes, folded
 * into one message per `intervalMs` (at 700 holds a second, one message per
 * hold would be 700 NOTIFYs a second). Per drop the newest version wins, but
 * no involved shopper is dropped: each process's sold-out fast path needs them.
 */
export class StockBus {
  private readonly pending = new Map<string, BatchedStockChange>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (batch: BatchedStockChange[]) => void,
    private readonly intervalMs = 10,
  ) {}

  push(change: StockChange): void {
    const { shopperId, ...rest } = change;
    const queued = this.pending.get(change.update.dropId);
    if (!queued) {
      this.pending.set(change.update.dropId, { ...rest, shopperIds: shopperId ? [shopperId] : [] });
    } else {
      if (shopperId && !queued.shopperIds.includes(shopperId)) queued.shopperIds.push(shopperId);
      queued.edited = queued.edited || change.edited;
      if (change.update.version > queued.update.version) Object.assign(queued, { update: change.update, startsAt: change.startsAt, endsAt: change.endsAt });
    }
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.send(batch);
  }
}
