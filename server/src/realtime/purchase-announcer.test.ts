import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PurchaseCompleted } from "./events.js";
import { PurchaseAnnouncer } from "./purchase-announcer.js";

const purchase = (n: number, dropId = "drop-a"): PurchaseCompleted => ({
  dropId,
  username: `buyer${n}`,
  quantity: 1,
  topPurchasers: [{ username: `buyer${n}`, quantity: 1, purchasedAt: new Date(1_700_000_000_000 + n).toISOString() }],
});

describe("coalescing purchaseCompleted per drop", () => {
  let sent: PurchaseCompleted[];
  let announcer: PurchaseAnnouncer;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    announcer = new PurchaseAnnouncer((event) => sent.push(event), 250, () => Date.now());
  });
  afterEach(() => vi.useRealTimers());

  it("sends a lone purchase at once", () => {
    announcer.push(purchase(1));
    expect(sent.map((e) => e.username)).toEqual(["buyer1"]);
  });

  it("folds a burst into one message per interval per drop, and the last purchase always goes out", () => {
    for (let n = 1; n <= 500; n++) {
      announcer.push(purchase(n));
      announcer.push(purchase(n, "drop-b"));
      vi.advanceTimersByTime(2); // 500 purchases a drop over a second
    }
    vi.advanceTimersByTime(250);
    const a = sent.filter((e) => e.dropId === "drop-a");
    expect(a.length).toBeLessThanOrEqual(6);
    expect(a.at(-1)!.username).toBe("buyer500");
    expect(sent.filter((e) => e.dropId === "drop-b").at(-1)!.username).toBe("buyer500");
  });

  it("flushAll sends what is waiting (at shutdown)", () => {
    announcer.push(purchase(1));
    announcer.push(purchase(2));
    announcer.flushAll();
    expect(sent.map((e) => e.username)).toEqual(["buyer1", "buyer2"]);
  });
});
