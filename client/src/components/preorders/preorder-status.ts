import type { Compensation, Preorder, PreorderStatus } from "../../api/preorders";

/** The road of a pre-order that goes well, as the shopper reads it. */
export const progressSteps = ["Paid", "Reserved", "Released", "Being prepared", "Picked up", "Delivered"] as const;

/** How far along the road each status is (-1: not on it yet; null: off it for good). */
const stepOf: Record<PreorderStatus, number | null> = {
  placed: -1,
  paid: 0,
  reserved: 1,
  awaiting_fulfillment: 2,
  fulfilling: 3,
  picked_up: 4,
  delivered: 5,
  rejected: null,
  cancelled: null,
  timed_out: null,
};

export const progressOf = (status: PreorderStatus) => stepOf[status];

export const statusWords: Record<PreorderStatus, string> = {
  placed: "Paying…",
  paid: "Paid",
  reserved: "Paid, units set aside",
  awaiting_fulfillment: "Released, waiting to be prepared",
  fulfilling: "Being prepared for pickup",
  picked_up: "Picked up, on its way",
  delivered: "Delivered",
  rejected: "Payment failed",
  cancelled: "Cancelled",
  timed_out: "Timed out: not prepared in time",
};

export const statusTone: Record<PreorderStatus, string> = {
  placed: "bg-slate-100 text-slate-700",
  paid: "bg-indigo-100 text-indigo-800",
  reserved: "bg-indigo-100 text-indigo-800",
  awaiting_fulfillment: "bg-sky-100 text-sky-800",
  fulfilling: "bg-amber-100 text-amber-800",
  picked_up: "bg-teal-100 text-teal-800",
  delivered: "bg-emerald-100 text-emerald-800",
  rejected: "bg-rose-100 text-rose-800",
  cancelled: "bg-slate-200 text-slate-700",
  timed_out: "bg-rose-100 text-rose-800",
};

/** The shopper may cancel until fulfilment starts (API.md); the admin until delivery. */
export const shopperMayCancel = (status: PreorderStatus) => ["paid", "reserved", "awaiting_fulfillment"].includes(status);

export const adminMayCancel = (status: PreorderStatus) => ["paid", "reserved", "awaiting_fulfillment", "fulfilling", "picked_up"].includes(status);

export const isEnded = (status: PreorderStatus) => stepOf[status] === null;

/**
 * The last word on each compensation step: a step that failed and was retried
 * is recorded again, and only its latest outcome matters to the shopper.
 */
export function latestCompensations(preorder: Preorder): Partial<Record<Compensation["step"], Compensation>> {
  const latest: Partial<Record<Compensation["step"], Compensation>> = {};
  for (const entry of preorder.compensations ?? []) {
    const seen = latest[entry.step];
    if (!seen || Date.parse(entry.at) >= Date.parse(seen.at)) latest[entry.step] = entry;
  }
  return latest;
}

/** Of two copies of one order (GET /api/me, an answer, an event), the one changed last. */
export const newer = (a: Preorder | undefined, b: Preorder): Preorder => (!a || Date.parse(b.updatedAt) >= Date.parse(a.updatedAt) ? b : a);

export const formatDay = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });

/** A wait in seconds as words: "45 s", "30 min", "7 days". */
export function formatWait(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
