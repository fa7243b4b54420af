/** What a coalescer knows of a drop when something new arrives for it. */
export interface Known<T> {
  /** Waiting to be sent at the end of the current interval. */
  queued?: T;
  /** The last one sent. */
  sent?: T;
}

/**
 * Sends at most one message per drop per interval, the latest. The first
 * message after a quiet spell goes out at once; messages in a burst are
 * folded into one at the end of the interval, so the last one always goes
 * out, within one interval of its arrival. Each message is written to every
 * socket hearing the drop: under a burst this is what keeps the writes
 * proportional to the sockets, not to the changes.
 */
export class PerDropCoalescer<T extends { dropId: string }> {
  private readonly lastSentAt = new Map<string, number>();
  private readonly lastSent = new Map<string, T>();
  private readonly pending = new Map<string, T>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly send: (message: T) => void,
    /** Read at every message, so the interval can follow the size of the audience. */
    private readonly intervalMs: number | (() => number),
    private readonly now: () => number = () => performance.now(),
    /** A message that adds nothing to what is queued or sent is dropped (stock: an older version). */
    private readonly isStale: (message: T, known: Known<T>) => boolean = () => false,
  ) {}

  push(message: T): void {
    const { dropId } = message;
    if (this.isStale(message, { queued: this.pending.get(dropId), sent: this.lastSent.get(dropId) })) return;
    this.pending.set(dropId, message);
    if (this.timers.has(dropId)) return;
    const interval = typeof this.intervalMs === "number" ? this.intervalMs : this.intervalMs();
    const wait = (this.lastSentAt.get(dropId) ?? -Infinity) + interval - this.now();
    if (wait <= 0) this.flush(dropId);
    else this.timers.set(dropId, setTimeout(() => this.flush(dropId), wait));
  }

  private flush(dropId: string): void {
    this.timers.delete(dropId);
    const message = this.pending.get(dropId);
    if (!message) return;
    this.pending.delete(dropId);
    this.lastSentAt.set(dropId, this.now());
    this.lastSent.set(dropId, message);
    this.send(message);
  }

  /** Sends whatever is waiting now (at shutdown). */
  flushAll(): void {
    for (const [dropId, timer] of this.timers) {
      clearTimeout(timer);
      this.flush(dropId);
    }
  }
}
