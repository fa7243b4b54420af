import { toReservation } from "../stock/hold-view.js";
import { queueState } from "../queue/queue-state.js";
import { toQueueEntry } from "../queue/queue.service.js";
import type { QueueView } from "../queue/queue.schemas.js";
import { availableStock, dropStatus } from "../stock/stock.js";
import type { DropView } from "./drops.schemas.js";
import type { DropRow, ShopperDropState } from "./drops.sql.js";

/** `now` is the serverTime of the response; the status uses the database time of the read. */
export function toDropView(row: DropRow, now: Date, shopper?: ShopperDropState): DropView {
  const available = availableStock(row);
  const view: DropView = {
    id: row.id,
    name: row.name,
    price: row.price,
    totalStock: row.total_stock,
    availableStock: available,
    heldStock: row.held_stock,
    soldStock: row.sold_stock,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at?.toISOString() ?? null,
    status: dropStatus({ startsAt: row.starts_at, endsAt: row.orders_end, availableStock: available }, row.db_now),
    holdSeconds: row.hold_seconds,
    maxPerUser: row.max_per_user,
    imageUrl: row.image_url,
    description: row.description,
    queue: toQueueView(row, available),
    kind: row.release_at ? "preorder" : "drop",
    releaseAt: row.release_at?.toISOString() ?? null,
    fulfillGraceSeconds: row.fulfill_grace_seconds,
    pickupReminderSeconds: row.pickup_reminder_seconds,
    version: row.version,
    topPurchasers: row.top_purchasers.map((p) => ({ ...p, purchasedAt: new Date(p.purchasedAt).toISOString() })),
  };
  if (shopper) {
    const hold = shopper.holds.find((h) => h.drop_id === row.id);
    view.myReservation = hold ? toReservation(hold, now) : null;
    view.myPurchasedQuantity = shopper.purchased.find((p) => p.drop_id === row.id)?.quantity ?? 0;
    // What GET /queue/me answers, so that a page need not ask a question whose usual answer is a 404.
    const entry = shopper.entries.find((e) => e.drop_id === row.id);
    view.myQueueEntry = entry ? toQueueEntry(row.id, entry) : null;
  }
  return view;
}

function toQueueView(row: DropRow, available: number): QueueView | null {
  if (row.queue_admit_per_second === null) return null;
  const facts = {
    opensAt: row.queue_opens_at,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    drawn: row.queue_drawn,
    closed: row.queue_closed,
    availableStock: available,
    heldStock: row.held_stock,
  };
  return {
    admitPerSecond: row.queue_admit_per_second,
    admissionSeconds: row.queue_admission_seconds,
    opensAt: row.queue_opens_at.toISOString(),
    state: queueState(facts, row.db_now),
    length: row.queue_closed ? 0 : row.queue_length,
    admittedThrough: row.queue_admitted_through,
  };
}
