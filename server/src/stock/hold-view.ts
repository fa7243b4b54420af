import { z } from "zod";
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
}

/**
 * A hold past its deadline is expired from that instant, even if the sweeper
 * has not marked it yet: the shopper is never shown a dead hold as active.
 */
export function toReservation(hold: HoldRow, serverTime: Date): Reservation {
  const lapsed = hold.hold_status === "active" && hold.hold_expires_at <= serverTime;
  return {
    id: hold.hold_id,
    dropId: hold.drop_id,
    quantity: hold.hold_quantity,
    status: lapsed ? "expired" : hold.hold_status,
    createdAt: hold.hold_created_at.toISOString(),
    expiresAt: hold.hold_expires_at.toISOString(),
    serverTime: serverTime.toISOString(),
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
  };
}
