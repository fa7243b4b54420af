import type { StockChange } from "./notifier.js";

/** One drop's stock changes of one batch: the newest levels, and every shopper any of them involved. */
export interface BatchedStockChange extends Omit<StockChange, "shopperId"> {
  shopperIds: string[];
}

/** An event for sockets in these rooms (their union; none: every socket), written by each process to its own sockets. */
export interface RoomEmit {
  rooms: string[];
  event: string;
  payload: unknown;
}

/** What one process tells the others in one message. */
export interface BusBatch {
  stock: BatchedStockChange[];
  emits: RoomEmit[];
}

/**
 * Carries this process's events to the other server processes, folded into
 * one message per `intervalMs`: at 700 holds a second, a NOTIFY per hold and
 * per private event would cost the database and every process more than the
 * holds themselves. Each process writes to its own sockets at once and the
 * others within one interval. Per drop the newest stock version wins, but no
 * involved shopper is dropped (each process's sold-out fast path needs them);
 * room events keep their order.
 */
export class EventBus {
  private readonly stock = new Map<string, BatchedStockChange>();
  private emits: RoomEmit[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (batch: BusBatch) => void,
    private readonly intervalMs = 10,
  ) {}

  pushStock(change: StockChange): void {
    const { shopperId, ...rest } = change;
    const queued = this.stock.get(change.update.dropId);
    if (!queued) {
      this.stock.set(change.update.dropId, { ...rest, shopperIds: shopperId ? [shopperId] : [] });
    } else {
      if (shopperId && !queued.shopperIds.includes(shopperId)) queued.shopperIds.push(shopperId);
      queued.edited = queued.edited || change.edited;
      if (change.update.version > queued.update.version) Object.assign(queued, { update: change.update, startsAt: change.startsAt, endsAt: change.endsAt });
    }
    this.schedule();
  }

  pushEmit(emit: RoomEmit): void {
    this.emits.push(emit);
    this.schedule();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stock.size === 0 && this.emits.length === 0) return;
    const batch: BusBatch = { stock: [...this.stock.values()], emits: this.emits };
    this.stock.clear();
    this.emits = [];
    this.send(batch);
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }
}
