import type { QueueEntryStatus, QueueState } from "./queue.schemas.js";

export interface LineFacts {
  opensAt: Date;
  startsAt: Date;
  endsAt: Date | null;
  drawn: boolean;
  closed: boolean;
  availableStock: number;
  heldStock: number;
}

/**
 * The state of a line at `now`, as the admission tick decides it in SQL
 * (dropline_queue_tick): a line that will close on the next tick already
 * reads as closed, so a page never shows "admitting" for a drop with nothing left.
 */
export function queueState(line: LineFacts, now: Date): QueueState {
  if (line.closed) return "closed";
  if (now < line.opensAt) return "not_open";
  if (!line.drawn || now < line.startsAt) return "pre_queue";
  if ((line.endsAt && now >= line.endsAt) || (line.availableStock <= 0 && line.heldStock <= 0)) return "closed";
  return line.availableStock <= 0 ? "paused" : "admitting";
}

/** Seconds until a waiting shopper's turn at the line's rate; unknown before the draw and after the wait. */
export function estimatedWaitSeconds(status: QueueEntryStatus, position: number | null, admitPerSecond: number): number | null {
  if (status !== "waiting" || position === null) return null;
  return Math.ceil(position / admitPerSecond);
}
