import type { PurchaseCompleted } from "./events.js";

/**
 * Sends `purchaseCompleted` at most once per `intervalMs` per drop. A lone
 * purchase goes out at once; in a burst, the purchases of one interval are
 * folded into one message, the latest, whose `topPurchasers` lists the most
 * recent buyers. Each message is written to every socket hearing the drop:
 * 500 purchases in seconds to 2,000 open pages were a million writes, the
 * largest share of the server's time in the 50,000-shopper waiting-room run.
 */
export class PurchaseAnnouncer {
  private readonly lastSentAt = new Map<string, number>();
  private readonly pending = new Map<string, PurchaseCompleted>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly send: (event: PurchaseCompleted) => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(event: PurchaseCompleted): void {
    this.pending.set(event.dropId, event);
    if (this.timers.has(event.dropId)) return;
    const wait = (this.lastSentAt.get(event.dropId) ?? -Infinity) + this.intervalMs - this.now();
    if (wait <= 0) this.flush(event.dropId);
    else this.timers.set(event.dropId, setTimeout(() => this.flush(event.dropId), wait));
  }

  private flush(dropId: string): void {
    this.timers.delete(dropId);
    const event = this.pending.get(dropId);
    if (!event) return;
    this.pending.delete(dropId);
    this.lastSentAt.set(dropId, this.now());
    this.send(event);
  }

  /** Sends whatever is waiting now (at shutdown). */
  flushAll(): void {
    for (const [dropId, timer] of this.timers) {
      clearTimeout(timer);
      this.flush(dropId);
    }
  }
}
