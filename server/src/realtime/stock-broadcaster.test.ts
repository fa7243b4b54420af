import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StockUpdated } from "./events.js";
import { StockBroadcaster } from "./stock-broadcaster.js";

const update = (version: number, availableStock = 100 - version, dropId = "drop-a"): StockUpdated => ({
  dropId,
  availableStock,
  heldStock: version,
  soldStock: 0,
  status: "live",
  version,
  committedAt: new Date(1_700_000_000_000 + version).toISOString(),
});

describe("coalescing stockUpdated per drop", () => {
  let sent: StockUpdated[];
  let broadcaster: StockBroadcaster;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    broadcaster = new StockBroadcaster((u) => sent.push(u), 50, () => Date.now());
  });
  afterEach(() => vi.useRealTimers());

  it("sends the first change after a quiet spell at once", () => {
    broadcaster.push(update(1));
    expect(sent.map((u) => u.version)).toEqual([1]);
  });

  it("folds a burst into one message per interval and always sends the final state", () => {
    for (let v = 1; v <= 500; v++) {
      broadcaster.push(update(v));
      vi.advanceTimersByTime(1); // 500 changes over 500 ms
    }
    vi.advanceTimersByTime(50);
    // Never more than one message per 50 ms window: 550 ms hold at most 11.
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(sent.at(-1)!.version).toBe(500);
    const versions = sent.map((u) => u.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    // Nor fewer: a long burst is not held back until it ends, every window sends its latest state.
    expect(sent.length).toBeGreaterThanOrEqual(10);
  });

  it("never sends an older version after a newer one, even if commits report out of order", () => {
    broadcaster.push(update(5));
    broadcaster.push(update(3));
    vi.advanceTimersByTime(100);
    broadcaster.push(update(4));
    vi.advanceTimersByTime(100);
    expect(sent.map((u) => u.version)).toEqual([5]);
  });

  it("keeps drops independent: a burst on one does not delay another", () => {
    broadcaster.push(update(1, 10, "drop-a"));
    broadcaster.push(update(2, 9, "drop-a"));
    broadcaster.push(update(1, 50, "drop-b"));
    expect(sent.map((u) => `${u.dropId}@${u.version}`)).toEqual(["drop-a@1", "drop-b@1"]);
    vi.advanceTimersByTime(50);
    expect(sent.map((u) => `${u.dropId}@${u.version}`)).toEqual(["drop-a@1", "drop-b@1", "drop-a@2"]);
  });

  it("flushAll sends whatever is still waiting", () => {
    broadcaster.push(update(1));
    broadcaster.push(update(2));
    broadcaster.flushAll();
    expect(sent.map((u) => u.version)).toEqual([1, 2]);
  });
});
