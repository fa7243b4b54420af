import { describe, expect, it } from "vitest";
import { ServerClock } from "./clock.js";

describe("the server clock follows the database clock", () => {
  it("applies the offset measured at the midpoint of a round trip", () => {
    let local = 1_000_000;
    const clock = new ServerClock(() => local);
    clock.observe(new Date(1_000_505), 1_000_000, 1_000_010); // database 500 ms ahead
    local = 2_000_000;
    expect(clock.now().getTime()).toBe(2_000_500);
  });

  it("believes the quickest recent reading over a slower one taken while the event loop was busy", () => {
    const local = 1_000_000;
    const clock = new ServerClock(() => local);
    clock.observe(new Date(1_000_002), 1_000_000, 1_000_004); // 4 ms round trip: offset 0
    clock.observe(new Date(1_000_010), 1_000_000, 1_000_400); // 400 ms round trip: would say -190
    expect(clock.now().getTime()).toBe(1_000_000);
  });

  it("takes a fresh reading once the best one is older than 30 s", () => {
    const clock = new ServerClock(() => 0);
    clock.observe(new Date(1_000_002), 1_000_000, 1_000_004);
    clock.observe(new Date(1_040_100 + 50), 1_040_000, 1_040_100); // slow, but the old one is stale
    expect(clock.now().getTime()).toBe(100);
  });
});
