import { describe, expect, it } from "vitest";
import { BUSY_WINDOW_MS, FanoutBudget, MIN_BROADCAST_INTERVAL_MS } from "./fanout-budget.js";

describe("the fan-out budget", () => {
  it("keeps 50 ms for an audience the budget covers, and grows with the audience above it, without a cap", () => {
    const budget = new FanoutBudget(10_000);
    // 500 sockets every 50 ms is exactly 10,000 writes a second.
    expect(budget.intervalFor("stock:a", 100, 0)).toBe(MIN_BROADCAST_INTERVAL_MS);
    expect(budget.intervalFor("stock:a", 500, 0)).toBe(50);
    expect(budget.intervalFor("stock:a", 1_000, 0)).toBe(100);
    expect(budget.intervalFor("stock:a", 50_000, 0)).toBe(5_000);
  });

  it("shares the budget among busy streams: audience x busy streams / budget", () => {
    const budget = new FanoutBudget(10_000);
    expect(budget.intervalFor("stock:a", 2_000, 0)).toBe(200);
    budget.sent("stock:a", 0);
    // stock:a sent just now, so it is busy: queue:a is one of two.
    expect(budget.intervalFor("queue:a", 2_000, 10)).toBe(400);
    expect(budget.busyStreams(10)).toBe(2);
    budget.sent("queue:a", 10);
    // A third stream on a small audience still keeps the 50 ms floor.
    expect(budget.intervalFor("stock:b", 10, 20)).toBe(MIN_BROADCAST_INTERVAL_MS);
    expect(budget.busyStreams(20)).toBe(3);
  });

  it("counts a stream as busy while a message waits on it, and for one second after it sent", () => {
    const budget = new FanoutBudget(10_000);
    budget.intervalFor("stock:a", 1_000, 0); // waiting
    expect(budget.busyStreams(5_000)).toBe(1); // still waiting, however long
    budget.sent("stock:a", 5_000);
    expect(budget.busyStreams(5_000 + BUSY_WINDOW_MS - 1)).toBe(1);
    expect(budget.busyStreams(5_000 + BUSY_WINDOW_MS)).toBe(0);
    // An idle stream is forgotten: it no longer lengthens the others' intervals.
    expect(budget.intervalFor("stock:b", 1_000, 7_000)).toBe(100);
  });

  it("keeps the writes of every busy stream together within the budget", () => {
    const budget = new FanoutBudget(2_000);
    const audiences = { "stock:a": 300, "queue:a": 300, "purchase:a": 300, "stock:b": 40 };
    let writes = 0;
    const nextAt = new Map(Object.keys(audiences).map((stream) => [stream, 0]));
    // Every stream always has something waiting: each sends as soon as its interval allows, for 10 s.
    for (let now = 0; now < 10_000; now++) {
      for (const [stream, audience] of Object.entries(audiences)) {
        if (now < nextAt.get(stream)!) continue;
        budget.sent(stream, now);
        writes += audience;
        nextAt.set(stream, now + budget.intervalFor(stream, audience, now));
      }
    }
    // One send of each stream in the last interval is the slack.
    expect(writes).toBeLessThanOrEqual(2_000 * 10 + 940);
    expect(writes).toBeGreaterThan(2_000 * 10 * 0.8);
  });

  it("takes a new budget from the next message on, and refuses a budget that is not positive", () => {
    const budget = new FanoutBudget(10_000);
    budget.writesPerSec = 1_000;
    expect(budget.intervalFor("stock:a", 1_000, 0)).toBe(1_000);
    expect(() => new FanoutBudget(0)).toThrow(RangeError);
  });
});
