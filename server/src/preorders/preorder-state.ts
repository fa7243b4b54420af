import type { PreorderStatus } from "./preorders.schemas.js";

/** The admin's checkpoints, each from the statuses it may follow. */
export const CHECKPOINTS = {
  "start-fulfillment": { from: ["awaiting_fulfillment"], to: "fulfilling" },
  "picked-up": { from: ["fulfilling"], to: "picked_up" },
  delivered: { from: ["picked_up"], to: "delivered" },
} as const satisfies Record<string, { from: readonly PreorderStatus[]; to: PreorderStatus }>;
export type Checkpoint = keyof typeof CHECKPOINTS;

/** Until fulfilment starts the shopper may cancel; the admin until it is delivered. */
export const CANCELLABLE = {
  shopper: ["paid", "reserved", "awaiting_fulfillment"],
  admin: ["paid", "reserved", "awaiting_fulfillment", "fulfilling", "picked_up"],
} as const satisfies Record<string, readonly PreorderStatus[]>;

/** Not in fulfilment by `fulfillBy`: these time out. */
export const TIMES_OUT: readonly PreorderStatus[] = ["paid", "reserved", "awaiting_fulfillment"];

/** Ended for good: nothing moves these again. */
export const FINAL: readonly PreorderStatus[] = ["delivered", "rejected", "cancelled", "timed_out"];

export type Transition =
  | { kind: "checkpoint"; checkpoint: Checkpoint }
  | { kind: "cancel"; by: "shopper" | "admin" }
  | { kind: "timeout" }
  | { kind: "release" };

/** The statuses a transition may start from, and where it leads. */
export function transitionRule(transition: Transition): { from: readonly PreorderStatus[]; to: PreorderStatus } {
  switch (transition.kind) {
    case "checkpoint":
      return CHECKPOINTS[transition.checkpoint];
    case "cancel":
      return { from: CANCELLABLE[transition.by], to: "cancelled" };
    case "timeout":
      return { from: TIMES_OUT, to: "timed_out" };
    case "release":
      return { from: ["reserved"], to: "awaiting_fulfillment" };
  }
}

/** Where `status` goes under `transition`, or undefined when it may not. */
export function next(status: PreorderStatus, transition: Transition): PreorderStatus | undefined {
  const rule = transitionRule(transition);
  return (rule.from as readonly PreorderStatus[]).includes(status) ? rule.to : undefined;
}

/** The compensation a cancelled or timed-out order owes, in the reverse order of what was done. */
export function compensationSteps(order: { reserved: boolean; paid: boolean }): ("release_inventory" | "refund_payment")[] {
  const steps: ("release_inventory" | "refund_payment")[] = [];
  if (order.reserved) steps.push("release_inventory");
  if (order.paid) steps.push("refund_payment");
  return steps;
}
