import type { Purchase, PurchaseStatus, Ticket } from "./purchases.schemas.js";

/** A row of the purchase_views view, as every purchase query reads it. */
export interface PurchaseViewRow {
  id: string;
  user_id: string;
  drop_id: string;
  reservation_id: string;
  quantity: number;
  amount_paid: string;
  confirmation_code: string | null;
  created_at: Date;
  status: PurchaseStatus;
  failure_reason: string | null;
  tickets: Ticket[];
}

export function toPurchase(row: PurchaseViewRow): Purchase {
  return {
    id: row.id,
    dropId: row.drop_id,
    reservationId: row.reservation_id,
    quantity: row.quantity,
    amountPaid: row.amount_paid,
    confirmationCode: row.confirmation_code,
    createdAt: row.created_at.toISOString(),
    status: row.status,
    ...(row.failure_reason ? { failureReason: row.failure_reason } : {}),
    tickets: row.tickets,
  };
}
