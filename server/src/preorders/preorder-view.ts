import type { Preorder } from "./preorders.schemas.js";
import type { CompensationEntryRow, PreorderRow } from "./preorders.sql.js";

export function toPreorder(row: PreorderRow, log: CompensationEntryRow[], options: { withUsername?: boolean } = {}): Preorder {
  // Each step's latest attempt, in the order the steps run.
  const latest = new Map<string, CompensationEntryRow>();
  for (const entry of log) if (entry.preorder_id === row.id) latest.set(entry.step, entry);
  const compensations = (["release_inventory", "refund_payment"] as const)
    .filter((step) => latest.has(step))
    .map((step) => ({ step, status: latest.get(step)!.status, at: latest.get(step)!.at.toISOString() }));
  return {
    id: row.id,
    dropId: row.drop_id,
    quantity: row.quantity,
    amountPaid: row.amount,
    status: row.status,
    releaseAt: row.release_at.toISOString(),
    fulfillBy: row.fulfill_by.toISOString(),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    compensations,
    ...(row.failure_reason ? { failureReason: row.failure_reason } : {}),
    ...(options.withUsername ? { username: row.username } : {}),
  };
}
