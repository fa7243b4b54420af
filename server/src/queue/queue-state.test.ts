import { describe, expect, it } from "vitest";
import { estimatedWaitSeconds, queueState, type LineFacts } from "./queue-state.js";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
const line = (facts: Partial<LineFacts> = {}): LineFacts => ({
  opensAt: at(0),
  startsAt: at(10),
  endsAt: at(100),
  drawn: true,
  closed: false,
  availableStock: 5,
  heldStock: 0,
  ...facts,
});

describe("a line's state", () => {
  it("is not_open before opensAt, pre_queue until the start and the draw, then admitting", () => {
    expect(queueState(line({ drawn: false }), at(-1))).toBe("not_open");
    expect(queueState(line({ drawn: false }), at(5))).toBe("pre_queue");
    expect(queueState(line({ drawn: false }), at(11))).toBe("pre_queue");
    expect(queueState(line(), at(11))).toBe("admitting");
  });

  it("pauses while every unit left is held, and closes when nothing can come back or the drop ends", () => {
    expect(queueState(line({ availableStock: 0, heldStock: 2 }), at(20))).toBe("paused");
    expect(queueState(line({ availableStock: 0, heldStock: 0 }), at(20))).toBe("closed");
    expect(queueState(line(), at(100))).toBe("closed");
    expect(queueState(line({ closed: true, availableStock: 9 }), at(20))).toBe("closed");
  });

  it("estimates the wait only for a waiting entry: position over the rate, rounded up", () => {
    expect(estimatedWaitSeconds("waiting", 101, 50)).toBe(3);
    expect(estimatedWaitSeconds("waiting", 1, 50)).toBe(1);
    expect(estimatedWaitSeconds("pre_queue", null, 50)).toBeNull();
    expect(estimatedWaitSeconds("admitted", null, 50)).toBeNull();
  });
});
