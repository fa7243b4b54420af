import type { Services } from "../context.js";
import { withTransaction } from "../db/transaction.js";
import { AppError, errorMessage } from "../errors.js";
import { QUEUES } from "../jobs/engine.js";
import { logger } from "../log.js";
import { withPaymentRetries } from "../payments/retry.js";
import { publishStockChange } from "../realtime/publish.js";
import { isOurId } from "../values/ids.js";
import { compensationSteps, next, transitionRule, type Checkpoint, type Transition } from "./preorder-state.js";
import { toPreorder } from "./preorder-view.js";
import type { PlacePreorderInput, Preorder, PreorderStatus } from "./preorders.schemas.js";
import {
  callReleasePreorderUnits,
  callReservePreorder,
  claimReminder,
  compensationEntries,
  findPreorder,
  findPreorderDrop,
  insertPreorder,
  listPreorders,
  listUserPreorders,
  lockShopperOrders,
  logCompensation,
  markRefunded,
  moveStatus,
  openPreorderUnits,
  type PreorderRow,
} from "./preorders.sql.js";

/** The pre-order jobs: each names its order, and timers say what they wait for. */
export type PreorderTimer = { preorderId: string; timer: "advance" | "release" | "deadline" } | { preorderId: string; timer: "reminder"; n: number };

/**
 * Places a pre-order: the order is recorded (with its recovery job) before
 * anything else, then paid (transient failures retried), then its units set
 * aside under the drop's lock, with its release and deadline timers queued in
 * that same transaction. A decline leaves a `rejected` order and a 402; no
 * unit left refunds the payment and answers 409.
 */
export async function placePreorder(services: Services, shopper: { id: string }, input: PlacePreorderInput): Promise<Preorder> {
  const method = input.payment?.method ?? services.payments.defaultMethod;
  if (!services.payments.accepts(method)) {
    throw new AppError("VALIDATION_ERROR", `The request body is not valid: payment.method "${method}" is not a method this payment provider knows.`, [
      { path: "payment.method", message: "is not a method this payment provider knows" },
    ]);
  }
  const drop = isOurId(input.dropId) ? await findPreorderDrop(services.pool, input.dropId) : undefined;
  if (!drop) throw new AppError("DROP_NOT_FOUND", "No drop has that id.");
  if (!drop.release_at) throw new AppError("DROP_NOT_LIVE", "This drop is not a pre-order drop: reserve and buy it instead.");
  if (drop.db_now < drop.starts_at || (drop.ends_at && drop.db_now >= drop.ends_at)) throw new AppError("DROP_NOT_LIVE", "Pre-orders for this drop are not open.");
  // An order placed now would have to be in fulfilment by this time, which has passed: it would time out (and be refunded) at once.
  if (drop.db_now >= drop.fulfill_by!) {
    throw new AppError("DROP_NOT_LIVE", `Pre-orders for this drop closed at ${drop.fulfill_by!.toISOString()}: no new order could be fulfilled in time.`, {
      fulfillBy: drop.fulfill_by!.toISOString(),
    });
  }
  const quantity = input.quantity ?? 1;

  const id = await withTransaction(services.pool, async (client) => {
    // The limit is decided before any charge: one shopper's orders of a drop are recorded one at a time,
    // and orders still being paid count, so concurrent requests cannot all pass it and then all pay.
    // It is checked again under the drop's lock when the units are set aside.
    await lockShopperOrders(client, drop.id, shopper.id);
    if (quantity + (await openPreorderUnits(client, drop.id, shopper.id)) > drop.max_per_user) {
      throw new AppError("LIMIT_EXCEEDED", `At most ${drop.max_per_user} per shopper, across their open orders.`, { maxPerUser: drop.max_per_user });
    }
    const orderId = await insertPreorder(client, {
      dropId: drop.id,
      userId: shopper.id,
      quantity,
      unitPrice: drop.price,
      method,
      releaseAt: drop.release_at!,
      graceSeconds: drop.fulfill_grace_seconds!,
      reminderSeconds: drop.pickup_reminder_seconds!,
    });
    await services.jobs.sendInTransaction(client, [timer({ preorderId: orderId, timer: "advance" }, new Date(Date.now() + services.config.checkout.recoveryMs))]);
    return orderId;
  });
  const status = await advance(services, id);
  const order = await view(services, id);
  if (status === "rejected") throw refusal(order);
  return order;
}

/**
 * Takes an order forward from wherever it stands: placed -> paid -> units set
 * aside. Idempotent (the charge by its key, each step a guarded status
 * change), so the request, its recovery job after a crash, or both may run it.
 */
export async function advance(services: Services, id: string): Promise<PreorderStatus> {
  let order = await findPreorder(services.pool, id);
  if (!order) throw new Error(`pre-order ${id} does not exist`);
  if (order.status === "placed") {
    const charge = await withPaymentRetries(() =>
      services.payments.charge({ idempotencyKey: `preorder:${id}:charge`, amount: order!.amount, shopperId: order!.user_id, method: order!.method }),
    );
    if (charge === "unreachable") {
      await moveStatus(services.pool, id, ["placed"], "rejected", { failureReason: "provider_unreachable" });
    } else if (charge.outcome === "declined") {
      await moveStatus(services.pool, id, ["placed"], "rejected", { failureReason: charge.reason });
    } else if (charge.outcome === "pending") {
      // A payment waiting on the shopper (3-D Secure) has no page to finish on here: cancelled, and the order refused.
      await services.payments.refund(charge.paymentRef);
      await moveStatus(services.pool, id, ["placed"], "rejected", { failureReason: "payment_requires_action" });
    } else {
      await moveStatus(services.pool, id, ["placed"], "paid", { paymentRef: charge.paymentRef });
    }
    order = (await findPreorder(services.pool, id))!;
    announce(services, order);
  }
  if (order.status === "paid") {
    const reserved = await withTransaction(services.pool, async (client) => {
      const row = await callReservePreorder(client, id);
      if (row.outcome === "RESERVED") {
        const current = (await findPreorder(client, id))!;
        const jobs = [timer({ preorderId: id, timer: "deadline" }, current.fulfill_by)];
        if (row.preorder_status === "reserved") jobs.push(timer({ preorderId: id, timer: "release" }, current.release_at));
        await services.jobs.sendInTransaction(client, jobs);
      }
      return row;
    });
    if (reserved.outcome === "RESERVED") {
      publishStockChange(services, reserved.drop_id, reserved, order.user_id);
    } else if (reserved.outcome !== "NOT_PAID" && reserved.outcome !== "NOT_FOUND") {
      // Paid, but the units are not there: refused, and the payment goes back (its job retries a refund that fails now).
      const refused = await withTransaction(services.pool, async (client) => {
        if (!(await moveStatus(client, id, ["paid"], "rejected", { failureReason: reserved.outcome.toLowerCase() }))) return false;
        await services.jobs.sendInTransaction(client, [{ queue: QUEUES.preorderCompensate.name, data: { preorderId: id } }]);
        return true;
      });
      if (refused) await compensate(services, id).catch((error: unknown) => logger.warn({ event: "preorder.compensation_deferred", preorderId: id, error: errorMessage(error) }));
    }
    order = (await findPreorder(services.pool, id))!;
    announce(services, order);
  }
  return order.status;
}

/** Cancel: the shopper until fulfilment starts, the admin until delivery; then the compensation, in reverse order. */
export async function cancelPreorder(services: Services, actor: { admin: true } | { userId: string }, id: string): Promise<Preorder> {
  const order = await ownedOrder(services, actor, id);
  await transition(services, order, { kind: "cancel", by: "admin" in actor ? "admin" : "shopper" });
  await compensate(services, id).catch((error: unknown) => logger.warn({ event: "preorder.compensation_deferred", preorderId: id, error: errorMessage(error) }));
  return view(services, id);
}

/** An admin checkpoint: start fulfilment, picked up, delivered, each only after the one before. */
export async function checkpoint(services: Services, id: string, step: Checkpoint): Promise<Preorder> {
  const order = await ownedOrder(services, { admin: true }, id);
  // A release whose timer has not fired yet (it runs at releaseAt) does not hold the warehouse up.
  if (step === "start-fulfillment" && order.status === "reserved" && order.release_at <= new Date()) {
    await moveStatus(services.pool, id, ["reserved"], "awaiting_fulfillment");
    order.status = "awaiting_fulfillment";
  }
  await transition(services, order, { kind: "checkpoint", checkpoint: step });
  return view(services, id);
}

/** Starts fulfilment of every released order of a drop; returns how many started. */
export async function startFulfillmentForDrop(services: Services, dropId: string): Promise<number> {
  if (!isOurId(dropId)) throw new AppError("DROP_NOT_FOUND", "No drop has that id.");
  const orders = (await listPreorders(services.pool, { dropId })).filter((o) => o.status === "awaiting_fulfillment" || (o.status === "reserved" && o.release_at <= new Date()));
  let started = 0;
  for (const order of orders) {
    try {
      await checkpoint(services, order.id, "start-fulfillment");
      started++;
    } catch (error) {
      // Cancelled or timed out meanwhile: the others still start.
      if (!(error instanceof AppError)) throw error;
    }
  }
  return started;
}

/**
 * One guarded status change, with what it sets going: a cancel or timeout
 * queues its compensation job in the same transaction, fulfilment its first
 * pickup reminder. Out of order -> 409 INVALID_TRANSITION.
 */
async function transition(services: Services, order: PreorderRow, change: Transition): Promise<void> {
  const rule = transitionRule(change);
  const moved = await withTransaction(services.pool, async (client) => {
    if (!(await moveStatus(client, order.id, rule.from, rule.to))) return false;
    if (rule.to === "cancelled" || rule.to === "timed_out") {
      await services.jobs.sendInTransaction(client, [{ queue: QUEUES.preorderCompensate.name, data: { preorderId: order.id } }]);
    }
    if (rule.to === "fulfilling") {
      await services.jobs.sendInTransaction(client, [timer({ preorderId: order.id, timer: "reminder", n: 1 }, new Date(Date.now() + order.pickup_reminder_seconds * 1000))]);
    }
    return true;
  });
  if (!moved) {
    const now = (await findPreorder(services.pool, order.id))!;
    throw new AppError("INVALID_TRANSITION", `This pre-order is ${now.status.replaceAll("_", " ")}: it cannot be ${describe(change)} now.`, {
      status: now.status,
      allowedFrom: rule.from,
    });
  }
  announce(services, (await findPreorder(services.pool, order.id))!);
}

/** A timer fired: the release, the deadline or a reminder (each does nothing if the order has moved on). */
export async function fireTimer(services: Services, job: PreorderTimer): Promise<void> {
  const order = await findPreorder(services.pool, job.preorderId);
  if (!order) return;
  switch (job.timer) {
    case "advance":
      await advance(services, order.id);
      return;
    case "release":
      if (next(order.status, { kind: "release" }) && (await moveStatus(services.pool, order.id, ["reserved"], "awaiting_fulfillment"))) {
        announce(services, (await findPreorder(services.pool, order.id))!);
      }
      return;
    case "deadline":
      if (!next(order.status, { kind: "timeout" })) return;
      try {
        await transition(services, order, { kind: "timeout" });
      } catch (error) {
        if (!(error instanceof AppError)) throw error; // fulfilment started (or a cancel won) at the last moment
        return;
      }
      await compensate(services, order.id);
      return;
    case "reminder": {
      await withTransaction(services.pool, async (client) => {
        if (!(await claimReminder(client, order.id, job.n))) return;
        await services.jobs.sendInTransaction(client, [
          timer({ preorderId: order.id, timer: "reminder", n: job.n + 1 }, new Date(Date.now() + order.pickup_reminder_seconds * 1000)),
        ]);
      });
      return;
    }
  }
}

/**
 * Undoes what a cancelled, timed-out or refused order did, in reverse order:
 * its units back to the drop, then its payment back to the shopper. Each
 * attempt is logged; a step done is never done again (the units by their
 * release time, the refund by the provider's idempotency and `refunded_at`);
 * a failed step throws, and the compensation job retries until all are done.
 */
export async function compensate(services: Services, id: string): Promise<void> {
  const order = await findPreorder(services.pool, id);
  if (!order || !["cancelled", "timed_out", "rejected"].includes(order.status)) return;
  const steps = compensationSteps({ reserved: order.reserved_at !== null, paid: order.payment_ref !== null });
  if (steps.includes("release_inventory") && !order.units_released_at) {
    const released = await callReleasePreorderUnits(services.pool, id);
    if (released.outcome === "RELEASED") publishStockChange(services, released.drop_id, released);
  }
  if (steps.includes("refund_payment") && !order.refunded_at) {
    try {
      await services.payments.refund(order.payment_ref!);
    } catch (error) {
      await logCompensation(services.pool, id, "refund_payment", "failed", errorMessage(error));
      announce(services, (await findPreorder(services.pool, id))!);
      throw error;
    }
    await markRefunded(services.pool, id);
  }
  announce(services, (await findPreorder(services.pool, id))!);
}

export async function getPreorder(services: Services, actor: { admin: true } | { userId: string }, id: string): Promise<Preorder> {
  await ownedOrder(services, actor, id);
  return view(services, id);
}

export async function compensationLog(services: Services, actor: { admin: true } | { userId: string }, id: string) {
  await ownedOrder(services, actor, id);
  const entries = await compensationEntries(services.pool, [id]);
  return {
    entries: entries.map((e) => ({ step: e.step, status: e.status, attempt: e.attempt, at: e.at.toISOString(), ...(e.error ? { error: e.error } : {}) })),
  };
}

export async function listOwnPreorders(services: Services, userId: string): Promise<Preorder[]> {
  const rows = await listUserPreorders(services.pool, userId);
  const log = await compensationEntries(services.pool, rows.map((r) => r.id));
  return rows.map((row) => toPreorder(row, log));
}

export async function adminListPreorders(services: Services, filter: { dropId?: string; status?: PreorderStatus }): Promise<Preorder[]> {
  // Ids are opaque to clients: one that could not be ours matches no order (found by the fuzz: a 500 from the uuid cast).
  if (filter.dropId !== undefined && !isOurId(filter.dropId)) return [];
  const rows = await listPreorders(services.pool, filter);
  const log = await compensationEntries(services.pool, rows.map((r) => r.id));
  return rows.map((row) => toPreorder(row, log, { withUsername: true }));
}

async function ownedOrder(services: Services, actor: { admin: true } | { userId: string }, id: string): Promise<PreorderRow> {
  const order = isOurId(id) ? await findPreorder(services.pool, id) : undefined;
  if (!order || ("userId" in actor && order.user_id !== actor.userId)) throw new AppError("PREORDER_NOT_FOUND", "No pre-order of yours has that id.");
  return order;
}

async function view(services: Services, id: string): Promise<Preorder> {
  const row = (await findPreorder(services.pool, id))!;
  return toPreorder(row, await compensationEntries(services.pool, [id]));
}

/** The shopper's pages hear every change of their order. */
function announce(services: Services, row: PreorderRow): void {
  void compensationEntries(services.pool, [row.id])
    .then((log) => services.notifier.preorderUpdated(row.user_id, toPreorder(row, log)))
    .catch((error: unknown) => logger.warn({ event: "preorder.announce_failed", preorderId: row.id, error: errorMessage(error) }));
}

function refusal(order: Preorder): AppError {
  const reason = order.failureReason ?? "rejected";
  if (reason === "provider_unreachable") return new AppError("PAYMENT_UNAVAILABLE", "The payment provider cannot be reached right now; nothing was charged. Try again in a moment.", { preorderId: order.id });
  if (reason === "out_of_stock") return new AppError("OUT_OF_STOCK", "No units left; your payment was refunded.", { preorderId: order.id });
  if (reason === "limit_exceeded") return new AppError("LIMIT_EXCEEDED", "That would exceed the limit per shopper; your payment was refunded.", { preorderId: order.id });
  if (reason === "drop_not_live") return new AppError("DROP_NOT_LIVE", "Pre-orders for this drop have closed; your payment was refunded.", { preorderId: order.id });
  return new AppError("PAYMENT_DECLINED", `The payment was declined (${reason}).`, { reason, preorderId: order.id });
}

function describe(change: Transition): string {
  if (change.kind === "checkpoint") return { "start-fulfillment": "put into fulfilment", "picked-up": "marked picked up", delivered: "marked delivered" }[change.checkpoint];
  if (change.kind === "cancel") return "cancelled";
  if (change.kind === "timeout") return "timed out";
  return "released";
}

const timer = (data: PreorderTimer, startAfter: Date) => ({ queue: QUEUES.preorderTimer.name, data, startAfter });
