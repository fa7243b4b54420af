/** What a coalescer knows of a stream when something new arrives for it. */
export interface Known<T> {
  /** Waiting to be sent at the end of the current interval. */
  queued?: T;
  /** The last one sent. */
  sent?: T;
}

export interface CoalescerOptions<T> {
  /** The stream a message belongs to (a drop): the latest message of each stream wins. */
  keyOf: (message: T) => string;
  /** Read whenever a message starts waiting, so the interval can follow the audience and the fan-out budget. */
  intervalMs: number | ((key: string) => number);
  now?: () => number;
  /** A message that adds nothing to what is queued or sent is dropped (stock: an older version). */
  isStale?: (message: T, known: Known<T>) => boolean;
}

/**
 * Sends at most one message per drop per interval, the latest. The first
 * message after a quiet spell goes out at once; messages in a burst are
 * folded into one at the end of the interval, so the last one always goes
 * out, within one interval of its arrival. Each message is written to every
 * socket hearing the drop: under a burst this is what keeps the writes
 * proportional to the sockets, not to the changes.
 */
export class PerDropCoalescer<T> {
  private readonly lastSentAt = new Map<string, number>();
  private readonly lastSent = new Map<string, T>();
  private readonly pending = new Map<string, T>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly keyOf: (message: T) => string;
  private readonly intervalMs: number | ((key: string) => number);
  private readonly now: () => number;
  private readonly isStale: (message: T, known: Known<T>) => boolean;

  constructor(
    private readonly send: (message: T) => void,
    options: CoalescerOptions<T>,
  ) {
    this.keyOf = options.keyOf;
    this.intervalMs = options.intervalMs;
    this.now = options.now ?? (() => performance.now());
    this.isStale = options.isStale ?? (() => false);
  }

  push(message: T): void {
    const key = this.keyOf(message);
    if (this.isStale(message, { queued: this.pending.get(key), sent: this.lastSent.get(key) })) return;
    this.pending.set(key, message);
    if (this.timers.has(key)) return;
    const interval = typeof this.intervalMs === "number" ? this.intervalMs : this.intervalMs(key);
    const wait = (this.lastSentAt.get(key) ?? -Infinity) + interval - this.now();
    if (wait <= 0) this.flush(key);
    else this.timers.set(key, setTimeout(() => this.flush(key), wait));
  }

  private flush(key: string): void {
    this.timers.delete(key);
    const message = this.pending.get(key);
    if (!message) return;
    this.pending.delete(key);
    this.lastSentAt.set(key, this.now());
    this.lastSent.set(key, message);
    this.send(message);
  }

  /** Sends whatever is waiting now (at shutdown). */
  flushAll(): void {
    for (const [key, timer] of this.timers) {
      clearTimeout(timer);
      this.flush(key);
    }
  }
}
