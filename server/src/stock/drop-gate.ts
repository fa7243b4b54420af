/**
 * At most `limit` hold attempts per drop wait in PostgreSQL at once; the rest
 * queue here, in memory, in arrival order. Every waiter on a hot drop's row
 * lock is a backend process competing for the same few cores, so a short
 * database queue holds the lock for less time per hold, and a queued request
 * that finds the drop sold out when its turn comes never touches the database.
 */
export class DropGate {
  private readonly lanes = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly limit: number) {}

  async run<T>(dropId: string, task: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(dropId) ?? { running: 0, waiting: [] };
    this.lanes.set(dropId, lane);
    if (lane.running >= this.limit) await new Promise<void>((resolve) => lane.waiting.push(resolve));
    else lane.running++;
    try {
      return await task();
    } finally {
      const next = lane.waiting.shift();
      // The slot passes straight to the next in line; an idle lane is forgotten.
      if (next) next();
      else if (--lane.running === 0) this.lanes.delete(dropId);
    }
  }
}
