import { z } from "zod";
import { multiplyMoney } from "../values/money.js";
import type { ExpiredHoldJson } from "./stock.js";

// The hold as shoppers see it: in reservation answers, in drop views (myReservation),
// in history and in socket events. It lives here, below all of them, so each can use it.
export const reservationStatusSchema = z.enum(["active", "completed", "expired", "cancelled"]);
export type ReservationStatus = z.infer<typeof reservationStatusSchema>;

export const reservationSchema = z.object({
  id: z.string(),
  dropId: z.string(),
  quantity: z.number().int(),
  status: reservationStatusSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
  serverTime: z.string(),
  /** The price per unit fixed when the hold was taken: an admin's later price edit does not change it. */
  unitPrice: z.string(),
  /** What buying the hold charges: unitPrice x quantity. */
  amount: z.string(),
  /** A payment is running on the hold: it stays active (even past expiresAt) until the payment ends. */
  paymentInFlight: z.boolean(),
});
export type Reservation = z.infer<typeof reservationSchema>;

/**
 * A hold as the stock functions name its columns (hold_id, hold_quantity, ...);
 * every other query of a hold names its columns the same way.
 */
export interface HoldRow {
  hold_id: string;
  drop_id: string;
  hold_quantity: number;
  hold_status: ReservationStatus;
  hold_created_at: Date;
  hold_expires_at: Date;
  hold_unit_price: string;
  /** Set while a payment runs on the hold: until then it is protected from expiry. */
  hold_payment_until: Date | null;
}

/**
 * A hold past its deadline is expired from that instant, even if the sweeper
 * has not marked it yet: the shopper is never shown a dead hold as active.
 * A payment running on it protects it (up to hold_payment_until), exactly as
 * the stock functions decide: it then reads active and paying, because the
 * payment may still complete it.
 */
export function toReservation(hold: HoldRow, serverTime: Date): Reservation {
  const active = hold.hold_status === "active";
  const paying = active && hold.hold_payment_until !== null && (hold.hold_expires_at > serverTime || hold.hold_payment_until > serverTime);
  const lapsed = active && !paying && hold.hold_expires_at <= serverTime;
  return {
    id: hold.hold_id,
    dropId: hold.drop_id,
    quantity: hold.hold_quantity,
    status: lapsed ? "expired" : hold.hold_status,
    createdAt: hold.hold_created_at.toISOString(),
    expiresAt: hold.hold_expires_at.toISOString(),
    serverTime: serverTime.toISOString(),
    unitPrice: hold.hold_unit_price,
    amount: multiplyMoney(hold.hold_unit_price, hold.hold_quantity),
    paymentInFlight: paying,
  };
}

/** A hold a stock function released at its deadline (it reports them as JSON), as a row like any other. */
export function expiredHoldRow(hold: ExpiredHoldJson, dropId: string): HoldRow {
  return {
    hold_id: hold.id,
    drop_id: dropId,
    hold_quantity: hold.quantity,
    hold_status: "expired",
    hold_created_at: new Date(hold.createdAt),
    hold_expires_at: new Date(hold.expiresAt),
    hold_unit_price: hold.unitPrice,
    hold_payment_until: null,
  };
}
