import type { Services } from "../context.js";
import { AppError } from "../errors.js";
import { isOurId } from "../values/ids.js";
import { callJoinQueue, drawPreQueue, findEntry, leaveQueue, type EntryRow } from "./queue.sql.js";
import type { QueueEntry } from "./queue.schemas.js";
import { estimatedWaitSeconds } from "./queue-state.js";

export interface JoinResult {
  created: boolean;
  entry: QueueEntry;
}

/** Puts the shopper in the drop's line, or returns the place they already have. */
export async function joinQueue(services: Services, dropId: string, userId: string, clientIp: string | null): Promise<JoinResult> {
  if (!isOurId(dropId)) throw dropNotFound();
  if (services.closedLines.has(dropId)) {
    services.metrics.queueJoins.inc({ outcome: "queue_closed_cached" });
    throw queueClosed();
  }
  const perIpCap = clientIp === null ? null : services.config.rateLimits.queueEntriesPerIp;
  const join = () => services.lineGate.run(dropId, () => callJoinQueue(services.pool, dropId, userId, clientIp, perIpCap));
  let row = await join();
  if (row.outcome === "NEEDS_DRAW") {
    await drawOnce(services, dropId);
    row = await join();
  }
  services.metrics.queueJoins.inc({ outcome: row.outcome.toLowerCase() });
  switch (row.outcome) {
    case "DROP_NOT_FOUND":
      throw dropNotFound();
    case "QUEUE_NOT_ENABLED":
      throw new AppError("QUEUE_NOT_ENABLED", "This drop has no waiting room: reserve directly.");
    case "QUEUE_NOT_OPEN":
      throw new AppError("QUEUE_NOT_OPEN", "The line for this drop is not open yet; see queue.opensAt.");
    case "QUEUE_CLOSED":
      services.closedLines.add(dropId);
      throw queueClosed();
    case "TOO_MANY_FROM_ADDRESS":
      throw new AppError("RATE_LIMITED", "Too many shoppers from your address are already in this line.");
    case "NEEDS_DRAW":
      // Drawn just above, so only a removed-and-recreated line in between lands here.
      throw new AppError("SERVICE_UNAVAILABLE", "The line is being drawn; try again in a moment.");
    case "CREATED":
    case "EXISTING":
      return { created: row.outcome === "CREATED", entry: toQueueEntry(dropId, row) };
  }
}

/** Draws in flight in this process: a crowd arriving at the start shares one draw instead of queueing a transaction each. */
const drawing = new Map<string, Promise<void>>();

/** The first joiner after the start draws the pre-queue rather than wait for the next admission tick. */
function drawOnce(services: Services, dropId: string): Promise<void> {
  let draw = drawing.get(dropId);
  if (!draw) {
    draw = (async () => {
      const client = await services.pool.connect();
      try {
        await drawPreQueue(client, dropId);
      } finally {
        client.release();
      }
    })().finally(() => drawing.delete(dropId));
    drawing.set(dropId, draw);
  }
  return draw;
}

export async function getQueueEntry(services: Services, dropId: string, userId: string): Promise<QueueEntry> {
  if (!isOurId(dropId)) throw entryNotFound();
  const row = await findEntry(services.pool, dropId, userId);
  if (!row) throw entryNotFound();
  return toQueueEntry(dropId, row);
}

export async function leaveLine(services: Services, dropId: string, userId: string): Promise<QueueEntry> {
  if (!isOurId(dropId)) throw entryNotFound();
  const row = await leaveQueue(services.pool, dropId, userId);
  if (!row) throw entryNotFound();
  return toQueueEntry(dropId, row);
}

/** Why a hold was refused on a drop with a waiting room: the shopper's place, or none. */
export async function notAdmittedDetails(services: Services, dropId: string, userId: string): Promise<{ status: string | null; position: number | null }> {
  const row = await findEntry(services.pool, dropId, userId);
  return { status: row?.entry_status ?? null, position: row?.entry_position ?? null };
}

export function toQueueEntry(dropId: string, row: EntryRow): QueueEntry {
  return {
    dropId,
    status: row.entry_status,
    number: row.entry_number,
    position: row.entry_position,
    admittedThrough: row.admitted_through,
    admittedUntil: row.admitted_until?.toISOString() ?? null,
    estimatedWaitSeconds: estimatedWaitSeconds(row.entry_status, row.entry_position, row.admit_per_second),
    serverTime: row.decided_at.toISOString(),
  };
}

export const queueClosed = () => new AppError("QUEUE_CLOSED", "The line for this drop is closed: it sold out or ended.");
const dropNotFound = () => new AppError("DROP_NOT_FOUND", "No drop has that id.");
const entryNotFound = () => new AppError("QUEUE_ENTRY_NOT_FOUND", "You are not in this drop's line.");
