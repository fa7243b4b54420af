// What the pre-order command line prints for people: statuses, dates and compensation steps in plain words.

// The answers as API.md ("Pre-orders") documents them; the command line only reads them, and prints
// unknown statuses or steps as they come rather than refusing an answer from a newer server.
export interface Compensation {
  step: string;
  status: string;
  at: string;
}

export interface Preorder {
  id: string;
  dropId: string;
  quantity: number;
  amountPaid: string;
  status: string;
  releaseAt: string;
  fulfillBy: string;
  createdAt: string;
  updatedAt: string;
  compensations?: Compensation[];
  failureReason?: string | null;
  username?: string;
}

export interface CompensationLogEntry {
  step: string;
  status: string;
  attempt: number;
  at: string;
  error?: string | null;
}

const statusWords: Record<string, string> = {
  placed: "placed, the payment is being taken",
  paid: "paid",
  reserved: "paid, units set aside",
  awaiting_fulfillment: "released, waiting for fulfilment to start",
  fulfilling: "being prepared for pickup",
  picked_up: "picked up, on its way",
  delivered: "delivered",
  rejected: "rejected: the payment did not go through",
  cancelled: "cancelled",
  timed_out: "timed out: fulfilment did not start before the deadline",
};

/** What can happen to an order next, and which command does it. */
const nextWords: Record<string, string> = {
  placed: "the payment is still being taken; ask again with status",
  paid: "units are being set aside; ask again with status",
  reserved: "waits for the release date; the shopper may still cancel",
  awaiting_fulfillment: "the admin starts fulfilment (start-fulfillment); the shopper may still cancel",
  fulfilling: "the admin records the pickup (item-picked); the shopper is reminded until then",
  picked_up: "the admin confirms the delivery (confirm-delivery)",
};

const stepWords: Record<string, Record<string, string>> = {
  release_inventory: { done: "units released back to stock", failed: "releasing the units failed; it is retried" },
  refund_payment: { done: "payment refunded", failed: "refunding the payment failed; it is retried" },
};

export const describeStatus = (status: string) => statusWords[status] ?? status;

export function describeStep(step: string, status: string): string {
  return stepWords[step]?.[status] ?? `${step.replaceAll("_", " ")}: ${status}`;
}

/** "2026-03-01 10:00:00 UTC (in 3 days)": UTC, so that what two people paste into a chat matches. */
export function formatDate(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  return `${new Date(at).toISOString().slice(0, 19).replace("T", " ")} UTC (${relative(at - now)})`;
}

function relative(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 2) return "now";
  const amount =
    seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : seconds < 172_800 ? `${Math.round(seconds / 3600)} h` : `${Math.round(seconds / 86_400)} days`;
  return ms > 0 ? `in ${amount}` : `${amount} ago`;
}

export function preorderAsText(preorder: Preorder, now: number): string {
  const rows: [string, string][] = [
    // The words, and the status as the API and --status name it when the words differ.
    ["Status", describeStatus(preorder.status) === preorder.status ? preorder.status : `${describeStatus(preorder.status)} [${preorder.status}]`],
    ["Drop", preorder.dropId],
    ...(preorder.username ? ([["Shopper", preorder.username]] as [string, string][]) : []),
    ["Quantity", String(preorder.quantity)],
    ["Paid", preorder.amountPaid],
    ["Release", formatDate(preorder.releaseAt, now)],
    ["Fulfil by", formatDate(preorder.fulfillBy, now)],
    ["Placed", formatDate(preorder.createdAt, now)],
    ["Updated", formatDate(preorder.updatedAt, now)],
  ];
  if (preorder.failureReason) rows.push(["Why", preorder.failureReason]);
  const row = (label: string, value: string) => `  ${`${label}:`.padEnd(11)} ${value}`.trimEnd();
  const lines = [`Pre-order ${preorder.id}`, ...rows.map(([label, value]) => row(label, value))];
  const compensations = preorder.compensations ?? [];
  if (compensations.length > 0) {
    lines.push(row("Undone", ""));
    for (const entry of compensations) lines.push(`    - ${describeStep(entry.step, entry.status)}, ${formatDate(entry.at, now)}`);
  } else if (preorder.status === "rejected") {
    lines.push(row("Undone", "nothing: no payment was taken"));
  }
  const next = nextWords[preorder.status];
  if (next) lines.push(row("Next", next));
  return lines.join("\n") + "\n";
}

export function preordersAsText(preorders: Preorder[], now: number): string {
  if (preorders.length === 0) return "No pre-orders match.\n";
  const lines = [`${preorders.length} pre-order(s):`];
  for (const p of preorders) {
    const who = p.username ? `  ${p.username}` : "";
    lines.push(`  ${p.id}  ${p.status.padEnd(20)} x${p.quantity}  ${p.amountPaid.padStart(10)}  drop ${p.dropId}${who}  updated ${formatDate(p.updatedAt, now)}`);
  }
  return lines.join("\n") + "\n";
}

export function compensationLogAsText(preorderId: string, entries: CompensationLogEntry[], now: number): string {
  if (entries.length === 0) return `Pre-order ${preorderId}: nothing compensated (nothing had to be undone).\n`;
  const lines = [`Pre-order ${preorderId}: ${entries.length} compensation attempt(s), in order`];
  for (const entry of entries) {
    lines.push(`  ${formatDate(entry.at, now)}  attempt ${entry.attempt}  ${describeStep(entry.step, entry.status)}`);
    if (entry.error) lines.push(`      error: ${entry.error}`);
  }
  return lines.join("\n") + "\n";
}

/** A refusal's details in words: INVALID_TRANSITION's status and allowed steps, VALIDATION_ERROR's fields, else JSON. */
export function detailsAsText(details: unknown): string[] {
  if (details === undefined || details === null) return [];
  if (Array.isArray(details)) {
    return details.map((item: { path?: unknown; message?: unknown }) => (item && item.message ? `  ${String(item.path ?? "")}: ${String(item.message)}` : `  ${JSON.stringify(item)}`));
  }
  if (typeof details === "object" && "status" in details) {
    // `allowed`: what may follow the order's status; `allowedFrom`: the statuses the refused step may follow.
    const { status, allowed, allowedFrom } = details as { status: unknown; allowed?: unknown; allowedFrom?: unknown };
    const lines = [`  the order is ${String(status)} (${describeStatus(String(status))})`];
    if (Array.isArray(allowed)) lines.push(`  allowed from there: ${allowed.length > 0 ? allowed.join(", ") : "nothing, the order has ended"}`);
    if (Array.isArray(allowedFrom)) lines.push(`  this step needs the order to be ${allowedFrom.join(" or ")}`);
    return lines;
  }
  return [`  ${JSON.stringify(details)}`];
}
