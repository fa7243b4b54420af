import type { Reservation, ReservationStatus } from "./reservations.schemas.js";

export interface ReservationRecord {
  id: string;
  dropId: string;
  quantity: number;
  status: ReservationStatus;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * A hold past its deadline is expired from that instant, even if the sweeper
 * has not marked it yet: the shopper is never shown a dead hold as active.
 */
export function toReservation(record: ReservationRecord, serverTime: Date): Reservation {
  const lapsed = record.status === "active" && record.expiresAt <= serverTime;
  return {
    id: record.id,
    dropId: record.dropId,
    quantity: record.quantity,
    status: lapsed ? "expired" : record.status,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    serverTime: serverTime.toISOString(),
  };
}
