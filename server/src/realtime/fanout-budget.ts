/** No broadcast stream sends more often than this, however small its audience (API.md's 250 ms promise has room for it). */
export const MIN_BROADCAST_INTERVAL_MS = 50;

/**
 * How long a stream counts as busy after it sent: the budget is counted in
 * writes per second, so a stream that wrote within the last second shares the
 * current second's writes with the others.
 */
export const BUSY_WINDOW_MS = 1_000;

/**
 * FANOUT_WRITES_PER_SEC's default: broadcasting takes about a third of a core
 * at most on the 2-core machine of docs/PERFORMANCE.md. A broadcast write
 * alone (Socket.IO 4 over WebSocket, no compression, 2,000 or 8,000 sockets
 * and nothing else) cost 11-12 µs of server CPU there; in the real server,
 * with 10,000 sockets watching a drop that takes holds, each write added
 * 20-27 µs (the heap the sockets hold, and the cores shared with holds,
 * PostgreSQL and the clients): at 25,000 writes a second broadcasting took
 * about two thirds of a core and holds fell to 0.36x; at 12,500, about a
 * quarter of a core and 0.49x. 1/3 s / 27 µs is about 12,500.
 */
export const DEFAULT_FANOUT_WRITES_PER_SEC = 12_500;

interface StreamState {
  /** A message is waiting for the end of the stream's interval. */
  waiting: boolean;
  lastSentAt: number;
}

/**
 * One process's broadcast socket writes per second, shared by its broadcast
 * streams (one per event and drop). A stream is busy while a message waits
 * on it, and for `BUSY_WINDOW_MS` after it sent. Each stream keeps
 * `interval = max(50 ms, audience x busy streams / budget)` between sends, so
 * each busy stream writes at most budget / busy streams a second, and all of
 * them together at most the budget: the cost of a crowd is fixed, whatever
 * its size. A stream's interval is read when a message starts waiting on it;
 * a stream that turns busy later shortens the others' share from their next
 * message on.
 */
export class FanoutBudget {
  private readonly streams = new Map<string, StreamState>();
  private budget = DEFAULT_FANOUT_WRITES_PER_SEC;

  constructor(writesPerSec = DEFAULT_FANOUT_WRITES_PER_SEC) {
    this.writesPerSec = writesPerSec;
  }

  get writesPerSec(): number {
    return this.budget;
  }

  /** Settable on a running process (FANOUT_WRITES_PER_SEC at start; tests lower it): streams follow from their next message. */
  set writesPerSec(value: number) {
    if (!(value > 0)) throw new RangeError("the fan-out budget must be a positive number of writes per second");
    this.budget = value;
  }

  /** A message waits on `stream`, heard by `audience` sockets: the time to keep between its sends. */
  intervalFor(stream: string, audience: number, now: number): number {
    const state = this.streams.get(stream);
    if (state) state.waiting = true;
    else this.streams.set(stream, { waiting: true, lastSentAt: -Infinity });
    return Math.max(MIN_BROADCAST_INTERVAL_MS, (audience * this.busyStreams(now) * 1_000) / this.budget);
  }

  /** `stream` has just written its message to its audience. */
  sent(stream: string, now: number): void {
    this.streams.set(stream, { waiting: false, lastSentAt: now });
  }

  /** Streams with a message waiting or that sent within the last `BUSY_WINDOW_MS`; the others are forgotten. */
  busyStreams(now: number): number {
    let busy = 0;
    for (const [stream, state] of this.streams) {
      if (state.waiting || now - state.lastSentAt < BUSY_WINDOW_MS) busy++;
      else this.streams.delete(stream);
    }
    return busy;
  }
}
