import type { QueueState, QueueView } from "../api/types";

interface LineInputs {
  startsAt: string;
  endsAt: string | null;
  queue: QueueView | null;
}

/**
 * The line's state on the server clock: the last state the server sent, moved
 * on by the clock where no message is needed (the line opens at opensAt, and
 * closes when the drop ends). Everything else (the draw, pauses, selling out)
 * is the admission tick's to decide, and arrives as queueUpdated.
 */
export function queueStateAt(drop: LineInputs, now: number): QueueState | null {
  const queue = drop.queue;
  if (!queue) return null;
  if (queue.state === "closed" || (drop.endsAt && now >= Date.parse(drop.endsAt))) return "closed";
  if (queue.state === "not_open" && now >= Date.parse(queue.opensAt)) return "pre_queue";
  return queue.state;
}

export const queueStateLabel: Record<QueueState, string> = {
  not_open: "Line not open yet",
  pre_queue: "Pre-queue",
  admitting: "Letting people in",
  paused: "Paused: all held",
  closed: "Line closed",
};
