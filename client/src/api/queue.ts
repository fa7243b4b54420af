import { syncClock } from "../lib/server-clock";
import { isApiError, request } from "./http";
import type { QueueEntry } from "./types";

const path = (dropId: string) => `/api/drops/${encodeURIComponent(dropId)}/queue`;

// Every answer carries the server's time: countdowns in the line run on it.
const synced = (entry: QueueEntry) => {
  syncClock(entry.serverTime);
  return entry;
};

/** POST: a place in the line (201), or the place already held (200). */
export const joinQueue = async (token: string, dropId: string) => synced(await request<QueueEntry>("POST", path(dropId), { token }));

/** GET /queue/me: the shopper's place, or null when they are not in this line (404). */
export async function fetchQueueEntry(token: string, dropId: string): Promise<QueueEntry | null> {
  try {
    return synced(await request<QueueEntry>("GET", `${path(dropId)}/me`, { token }));
  } catch (error) {
    if (isApiError(error) && error.code === "QUEUE_ENTRY_NOT_FOUND") return null;
    throw error;
  }
}

/** DELETE /queue/me: the entry, now `left` (or as it was, if it was already past waiting). */
export const leaveQueue = async (token: string, dropId: string) => synced(await request<QueueEntry>("DELETE", `${path(dropId)}/me`, { token }));
