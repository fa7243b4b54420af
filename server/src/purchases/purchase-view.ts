import type { Purchase } from "./purchases.schemas.js";
import type { PurchaseRow } from "./purchases.sql.js";

export function toPurchase(row: PurchaseRow): Purchase {
  return {
    id: row.purchase_id,
    dropId: row.drop_id,
    reservationId: row.reservation_id,
    quantity: row.quantity,
    amountPaid: row.amount_paid,
    confirmationCode: row.confirmation_code,
    createdAt: row.purchased_at.toISOString(),
  };
}
