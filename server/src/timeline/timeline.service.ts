import type pg from "pg";
import { AppError } from "../errors.js";
import { isOurId } from "../values/ids.js";
import type { FailuresResponse, TimelineEvent } from "./timeline.schemas.js";
import { failureGroups, holdTimeline } from "./timeline.sql.js";

/** A hold's timeline; with `userId`, only if it is that shopper's hold. */
export async function getTimeline(pool: pg.Pool, reservationId: string, userId?: string): Promise<TimelineEvent[]> {
  const rows = isOurId(reservationId) ? await holdTimeline(pool, reservationId, userId) : undefined;
  if (!rows) throw new AppError("RESERVATION_NOT_FOUND", userId ? "No reservation of yours has that id." : "No reservation has that id.");
  return rows.map((row) => ({ at: row.at.toISOString(), type: row.type, ...(row.detail ? { detail: row.detail } : {}) }));
}

export async function getFailures(pool: pg.Pool, sinceSeconds: number, now = new Date()): Promise<FailuresResponse> {
  const since = new Date(now.getTime() - sinceSeconds * 1000);
  const groups = await failureGroups(pool, since);
  return {
    since: since.toISOString(),
    groups: groups.map((group) => ({ type: group.type, reason: group.reason, count: group.count, reservationIds: group.reservation_ids })),
  };
}
