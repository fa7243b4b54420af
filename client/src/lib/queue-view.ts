import type { QueueEntry, QueueState, QueueView } from "../api/types";

/** What the waiting room shows one shopper: their entry read against the line and the clock. */
export type WaitingRoomView =
  | { kind: "loading" }
  | { kind: "not_open" }
  | { kind: "join"; after?: "left" | "lapsed" }
  | { kind: "pre_queue" }
  | { kind: "waiting"; number: number; position: number; waitSeconds: number; progress: number; paused: boolean }
  | { kind: "admitted"; until: number }
  | { kind: "done" }
  | { kind: "closed" };

/**
 * `entry` undefined: not known yet; null: not in this line. `state` is the
 * line's state on the server clock (queueStateAt).
 */
export function waitingRoomView(entry: QueueEntry | null | undefined, line: QueueView, state: QueueState, now: number): WaitingRoomView {
  if (entry === undefined) return { kind: "loading" };
  const status = entry?.status === "admitted" && entry.admittedUntil && now >= Date.parse(entry.admittedUntil) ? "lapsed" : entry?.status;
  switch (status) {
    case "admitted":
      return { kind: "admitted", until: Date.parse(entry!.admittedUntil!) };
    case "done":
      return { kind: "done" };
    case "sold_out":
      return { kind: "closed" };
    case "pre_queue":
      return state === "closed" ? { kind: "closed" } : { kind: "pre_queue" };
    case "waiting":
      return state === "closed" ? { kind: "closed" } : { kind: "waiting", ...placeInLine(entry!, line), paused: state === "paused" };
    default:
      // Not in line, or out of it (left, turn passed): what the line offers now.
      if (state === "closed") return { kind: "closed" };
      if (state === "not_open") return { kind: "not_open" };
      return { kind: "join", after: status === "left" || status === "lapsed" ? status : undefined };
  }
}

/**
 * Where a waiting shopper stands, worked out here from their number and the
 * line's latest admittedThrough (queueUpdated), so the place moves with every
 * update and no request. Both the server's position at the last answer and
 * number - admittedThrough are at least the true place (those who left ahead
 * are not known here), so the smaller is the closer.
 */
export function placeInLine(entry: QueueEntry, line: QueueView): { number: number; position: number; waitSeconds: number; progress: number } {
  const number = entry.number ?? 1;
  const through = Math.max(line.admittedThrough, entry.admittedThrough);
  const position = Math.max(1, Math.min(entry.position ?? Infinity, number - through));
  const ahead = number - 1;
  return {
    number,
    position,
    waitSeconds: Math.ceil(position / Math.max(1, line.admitPerSecond)),
    // The share of those who were ahead at the start that is through now.
    progress: ahead > 0 ? Math.min(1, Math.max(0, (number - position) / ahead)) : 1,
  };
}

/** "less than a minute", "about 1 min", "about 12 min". */
export function describeWait(seconds: number): string {
  if (seconds < 60) return "less than a minute";
  return `about ${Math.round(seconds / 60)} min`;
}

/** 1,234 */
export const count = (n: number) => n.toLocaleString("en-US");
