import type { Services } from "../context.js";
import { AppError } from "../errors.js";
import { isOurId } from "../values/ids.js";
import type { PublicDrop } from "../realtime/events.js";
import { publishStockChange } from "../realtime/publish.js";
import { toDropView } from "./drop-view.js";
import type { CreateDropInput, DropList, DropView, UpdateDropInput } from "./drops.schemas.js";
import { callUpdateDrop, findDropRow, findShopperState, insertDrop, listDropRows, type ShortenedHoldJson } from "./drops.sql.js";
import { expiredHoldRow, toReservation } from "../stock/hold-view.js";
import { setQueueSettings } from "../queue/queue.sql.js";
import { setPreorderSettings } from "../preorders/preorders.sql.js";

export async function listDrops(services: Services, options: { includeEnded: boolean; userId?: string }): Promise<DropList> {
  const rows = await listDropRows(services.db, options.includeEnded);
  const shopper = options.userId ? await findShopperState(services.db, services.pool, options.userId, rows.map((r) => r.id)) : undefined;
  const now = services.clock.now();
  return { drops: rows.map((row) => toDropView(row, now, shopper)), serverTime: now.toISOString() };
}

export async function getDrop(services: Services, dropId: string, userId?: string): Promise<DropView> {
  if (!isOurId(dropId)) throw dropNotFound();
  const row = await findDropRow(services.db, dropId);
  if (!row) throw dropNotFound();
  const shopper = userId ? await findShopperState(services.db, services.pool, userId, [row.id]) : undefined;
  return toDropView(row, services.clock.now(), shopper);
}

export async function createDrop(services: Services, input: CreateDropInput): Promise<PublicDrop> {
  // startsAt defaults to now, so an endsAt in the past is as wrong as one before startsAt.
  const startsAt = input.startsAt ?? services.clock.now();
  if (input.endsAt && input.endsAt <= startsAt) throw endsBeforeStart();
  const dropId = await services.db.$transaction(async (tx) => {
    const id = await insertDrop(tx, {
    name: input.name,
    price: input.price,
    totalStock: input.totalStock,
    startsAt,
    endsAt: input.endsAt ?? null,
    holdSeconds: input.holdSeconds ?? services.config.holdSeconds,
    maxPerUser: input.maxPerUser ?? 1,
    imageUrl: input.imageUrl ?? null,
    description: input.description ?? null,
    });
    if (input.queue) await setQueueSettings(tx, id, input.queue);
    if (input.kind === "preorder") {
      await setPreorderSettings(tx, id, { releaseAt: input.releaseAt, fulfillGraceSeconds: input.fulfillGraceSeconds, pickupReminderSeconds: input.pickupReminderSeconds });
    }
    return id;
  });
  const view = await publicView(services, dropId);
  services.notifier.dropCreated(view);
  return view;
}

/**
 * Admin edit, through the same kind of stock function as a hold: the drop row
 * is locked, lapsed holds are released first, stock may not go below what is
 * held or sold. A hold never outlives its drop: an edit that moves the end
 * earlier brings its holds' deadlines forward (ending the drop now, or moving
 * its start into the future, ends them now, but for a payment already
 * running, which keeps its protection). Owners hear "expired" like any other,
 * or the new deadline.
 */
export async function updateDrop(services: Services, dropId: string, input: UpdateDropInput): Promise<PublicDrop> {
  if (!isOurId(dropId)) throw dropNotFound();
  const { queue, releaseAt, fulfillGraceSeconds, pickupReminderSeconds, ...fields } = input;
  const preorder = { releaseAt, fulfillGraceSeconds, pickupReminderSeconds };
  const editsPreorder = Object.values(preorder).some((value) => value !== undefined);
  if (editsPreorder) {
    const row = await findDropRow(services.db, dropId);
    if (!row) throw dropNotFound();
    if (!row.release_at) {
      throw new AppError("VALIDATION_ERROR", "The request body is not valid: releaseAt and the pre-order settings are for pre-order drops only.", [
        { path: "releaseAt", message: "is for pre-order drops only" },
      ]);
    }
  }
  const patch = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  // The waiting room and the pre-order settings change with the edit or not at all: written only if the edit is.
  // (Orders already placed keep the release and deadline they were placed with.)
  const row =
    queue === undefined && !editsPreorder
      ? await callUpdateDrop(services.db, dropId, patch)
      : await services.db.$transaction(async (tx) => {
          const edit = await callUpdateDrop(tx, dropId, patch);
          if (edit.outcome === "UPDATED" && queue !== undefined) await setQueueSettings(tx, dropId, queue);
          if (edit.outcome === "UPDATED" && editsPreorder) await setPreorderSettings(tx, dropId, preorder);
          return edit;
        });
  if (row.outcome === "DROP_NOT_FOUND") throw dropNotFound();
  services.closedLines.forget(dropId);
  if (row.outcome === "UPDATED" || row.expired.length > 0) publishStockChange(services, dropId, row, undefined, { edited: true });
  else services.soldOut.forget(dropId);
  tellShortenedHolds(services, dropId, row.shortened);
  if (row.outcome === "ENDS_BEFORE_START") throw endsBeforeStart();
  if (row.outcome === "STOCK_BELOW_COMMITTED") {
    throw new AppError("STOCK_BELOW_COMMITTED", `totalStock cannot go below the ${row.committed} units held or sold.`, {
      heldStock: row.held_stock,
      soldStock: row.sold_stock,
    });
  }
  const view = await publicView(services, dropId);
  services.notifier.dropUpdated(view);
  return view;
}

/** Holds whose deadline came forward with the drop's end: their owners' pages count down to the new one. */
function tellShortenedHolds(services: Services, dropId: string, holds: ShortenedHoldJson[]): void {
  const now = services.clock.now();
  for (const hold of holds) {
    const row = { ...expiredHoldRow(hold, dropId), hold_status: "active" as const, hold_payment_until: hold.paymentUntil ? new Date(hold.paymentUntil) : null };
    services.notifier.reservationChanged(hold.userId, toReservation(row, now));
  }
}

async function publicView(services: Services, dropId: string): Promise<PublicDrop> {
  const row = await findDropRow(services.db, dropId);
  if (!row) throw dropNotFound();
  return toDropView(row, services.clock.now());
}

const dropNotFound = () => new AppError("DROP_NOT_FOUND", "No drop has that id.");
const endsBeforeStart = () =>
  new AppError("VALIDATION_ERROR", "The request body is not valid: endsAt must be after startsAt (which defaults to now).", [
    { path: "endsAt", message: "must be after startsAt" },
  ]);
