import type { Services } from "../context.js";
import { isForeignKeyViolation, isUniqueViolation } from "../db/errors.js";
import { AppError, sessionGone } from "../errors.js";
import { isOurId } from "../values/ids.js";
import { notAdmittedDetails } from "../queue/queue.service.js";
import { publishStockChange } from "../realtime/publish.js";
import { toReservation } from "../stock/hold-view.js";
import type { CreateReservationInput, Reservation } from "./reservations.schemas.js";
import { callReleaseHold, callTakeHold, findOwnReservation, type TakeHoldRow } from "./reservations.sql.js";

export interface HoldResult {
  /** false when the shopper already had an active hold on the drop: it is returned unchanged. */
  created: boolean;
  reservation: Reservation;
}

/** Takes a hold of `quantity` units for the shopper, or returns the hold they already have. */
export async function takeHold(services: Services, userId: string, input: CreateReservationInput): Promise<HoldResult> {
  if (!isOurId(input.dropId)) throw dropNotFound();
  const row = await services.gate.run(input.dropId, async () => {
    // Checked again after the wait: the drop may have sold out while this request queued.
    if (services.soldOut.refuses(input.dropId, userId, input.quantity)) return undefined;
    return callTakeHoldOnce(services, input.dropId, userId, input.quantity);
  });
  if (!row) {
    services.metrics.holds.inc({ outcome: "out_of_stock_cached" });
    throw outOfStock();
  }
  services.metrics.holds.inc({ outcome: row.outcome.toLowerCase() });
  if (row.outcome === "DROP_NOT_FOUND") throw dropNotFound();
  if (row.outcome === "PREORDER_ONLY") {
    throw new AppError("DROP_NOT_LIVE", "This is a pre-order drop: pre-order it (POST /api/preorders) instead of reserving.", { kind: "preorder" });
  }
  if (row.outcome === "NOT_ADMITTED") {
    throw new AppError("NOT_ADMITTED", "This drop has a waiting room: join the line and reserve once you are let in.",
      await notAdmittedDetails(services, input.dropId, userId));
  }
  // The shopper of a hold or a limit is exempt from the fast path: only the database knows their answer.
  const involved = row.outcome === "CREATED" || row.outcome === "EXISTING" || row.outcome === "LIMIT_EXCEEDED" ? userId : undefined;
  if (row.outcome === "CREATED" || row.expired.length > 0) publishStockChange(services, input.dropId, row, involved);
  else if (row.outcome !== "DROP_NOT_LIVE") services.soldOut.noteStock(input.dropId, row, involved);

  switch (row.outcome) {
    case "DROP_NOT_LIVE":
      throw new AppError("DROP_NOT_LIVE", "This drop is not live: it has not started yet or has ended.");
    case "LIMIT_EXCEEDED":
      throw new AppError("LIMIT_EXCEEDED", "That would take you over this drop's limit per shopper.");
    case "OUT_OF_STOCK":
      throw outOfStock();
    case "EXISTING":
    case "CREATED": {
      const reservation = toReservation(row, services.clock.now());
      if (row.outcome === "CREATED") services.notifier.reservationChanged(userId, reservation);
      return { created: row.outcome === "CREATED", reservation };
    }
  }
}

async function callTakeHoldOnce(services: Services, dropId: string, userId: string, quantity: number): Promise<TakeHoldRow> {
  try {
    return await callTakeHold(services.pool, dropId, userId, quantity);
  } catch (error) {
    // A valid signature for a shopper the database no longer has (it was reset).
    if (isForeignKeyViolation(error)) throw sessionGone();
    // The function reads under the drop lock, so a second active hold cannot slip in;
    // should the one-hold-per-shopper index still refuse, asking again returns the hold.
    if (isUniqueViolation(error)) return callTakeHold(services.pool, dropId, userId, quantity);
    throw error;
  }
}

export async function getReservation(services: Services, userId: string, reservationId: string): Promise<Reservation> {
  if (!isOurId(reservationId)) throw reservationNotFound();
  const row = await findOwnReservation(services.db, reservationId, userId);
  if (!row) throw reservationNotFound();
  return toReservation(row, services.clock.now());
}

/** Cancels an active hold; its units are back in stock when this returns. */
export async function cancelReservation(services: Services, userId: string, reservationId: string): Promise<Reservation> {
  if (!isOurId(reservationId)) throw reservationNotFound();
  const row = await callReleaseHold(services.db, reservationId, userId);
  if (row.outcome === "NOT_FOUND") throw reservationNotFound();
  if (row.outcome === "CANCELLED" || row.expired.length > 0) publishStockChange(services, row.drop_id, row, userId);
  if (row.outcome === "NOT_ACTIVE") {
    throw new AppError("RESERVATION_NOT_ACTIVE", `This hold is ${row.hold_status} and cannot be cancelled.`, { status: row.hold_status });
  }
  const reservation = toReservation(row, services.clock.now());
  services.notifier.reservationChanged(userId, reservation);
  return reservation;
}

export const outOfStock = () => new AppError("OUT_OF_STOCK", "Not enough units are left for that quantity.");
const dropNotFound = () => new AppError("DROP_NOT_FOUND", "No drop has that id.");
const reservationNotFound = () => new AppError("RESERVATION_NOT_FOUND", "No reservation of yours has that id.");
