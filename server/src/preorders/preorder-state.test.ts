import { describe, expect, it } from "vitest";
import { CANCELLABLE, compensationSteps, FINAL, next, type Transition } from "./preorder-state.js";
import { preorderStatus, type PreorderStatus } from "./preorders.schemas.js";

const transitions: Transition[] = [
  { kind: "checkpoint", checkpoint: "start-fulfillment" },
  { kind: "checkpoint", checkpoint: "picked-up" },
  { kind: "checkpoint", checkpoint: "delivered" },
  { kind: "cancel", by: "shopper" },
  { kind: "cancel", by: "admin" },
  { kind: "timeout" },
  { kind: "release" },
];

/** Every (status, transition) pair and where it must lead: the whole table, written out. */
const expected: Record<PreorderStatus, (PreorderStatus | undefined)[]> = {
  //                      start        picked       delivered    cancel(shopper) cancel(admin) timeout     release
  placed: [undefined, undefined, undefined, undefined, undefined, undefined, undefined],
  paid: [undefined, undefined, undefined, "cancelled", "cancelled", "timed_out", undefined],
  reserved: [undefined, undefined, undefined, "cancelled", "cancelled", "timed_out", "awaiting_fulfillment"],
  awaiting_fulfillment: ["fulfilling", undefined, undefined, "cancelled", "cancelled", "timed_out", undefined],
  fulfilling: [undefined, "picked_up", undefined, undefined, "cancelled", undefined, undefined],
  picked_up: [undefined, undefined, "delivered", undefined, "cancelled", undefined, undefined],
  delivered: [undefined, undefined, undefined, undefined, undefined, undefined, undefined],
  rejected: [undefined, undefined, undefined, undefined, undefined, undefined, undefined],
  cancelled: [undefined, undefined, undefined, undefined, undefined, undefined, undefined],
  timed_out: [undefined, undefined, undefined, undefined, undefined, undefined, undefined],
};

describe("the pre-order state machine", () => {
  it.each(preorderStatus.options)("from %s, every transition leads where the table says", (status) => {
    expect(transitions.map((t) => next(status, t))).toEqual(expected[status]);
  });

  it("moves nothing out of a final status, and the shopper's cancel is a subset of the admin's", () => {
    for (const status of FINAL) for (const t of transitions) expect(next(status, t)).toBeUndefined();
    for (const status of CANCELLABLE.shopper) expect(CANCELLABLE.admin).toContain(status);
  });

  it("compensates in reverse order of what was done: units back, then the money", () => {
    expect(compensationSteps({ reserved: true, paid: true })).toEqual(["release_inventory", "refund_payment"]);
    expect(compensationSteps({ reserved: false, paid: true })).toEqual(["refund_payment"]);
    expect(compensationSteps({ reserved: false, paid: false })).toEqual([]);
  });
});
