import { PerDropCoalescer } from "./coalescer.js";
import type { PurchaseCompleted } from "./events.js";

/**
 * `purchaseCompleted` at most once per interval per drop: a lone purchase
 * goes out at once; in a burst, the latest, whose `topPurchasers` lists the
 * most recent buyers. 500 purchases in seconds to 2,000 open pages were a
 * million writes, the largest share of the server's time in the
 * 50,000-shopper waiting-room run.
 */
export class PurchaseAnnouncer extends PerDropCoalescer<PurchaseCompleted> {
  constructor(send: (event: PurchaseCompleted) => void, intervalMs: number | ((dropId: string) => number) = 250, now: () => number = () => performance.now()) {
    super(send, { keyOf: (event) => event.dropId, intervalMs, now });
  }
}
