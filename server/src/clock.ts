/**
 * The server clock is the database's clock: holds are granted and expired by
 * it. `serverTime` in responses comes from here, read when the response is
 * built, so a browser's countdown is not skewed by how long a request waited.
 */
export class ServerClock {
  private offsetMs = 0;
  private best: { roundTripMs: number; at: number } | undefined;

  constructor(private readonly local: () => number = Date.now) {}

  now(): Date {
    return new Date(this.local() + this.offsetMs);
  }

  /**
   * Records a database time read between `sentAt` and `receivedAt` (local ms).
   * A reading taken while the event loop was busy is off by the delay, so, as
   * NTP does, the quickest round trip of the last 30 s is the one believed.
   */
  observe(databaseTime: Date, sentAt: number, receivedAt: number): void {
    const roundTripMs = receivedAt - sentAt;
    const best = this.best;
    const stale = !best || receivedAt - best.at > 30_000;
    if (!stale && roundTripMs > best.roundTripMs) return;
    this.best = { roundTripMs, at: receivedAt };
    this.offsetMs = databaseTime.getTime() - (sentAt + receivedAt) / 2;
  }
}
