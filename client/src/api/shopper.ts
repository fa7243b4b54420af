import { syncClock } from "../lib/server-clock";
import { newIdempotencyKey, request } from "./http";
import type { DropList, DropView, MeResponse, Purchase, Reservation, SessionResponse } from "./types";

export const createSession = (username: string) => request<SessionResponse>("POST", "/api/sessions", { body: { username } });

export const fetchMe = (token: string) => request<MeResponse>("GET", "/api/me", { token });

/** The drop list; every answer also re-syncs the server clock. */
export async function fetchDrops(options: { token?: string | null; includeEnded?: boolean } = {}): Promise<DropList> {
  const list = await request<DropList>("GET", `/api/drops${options.includeEnded ? "?include=ended" : ""}`, { token: options.token });
  syncClock(list.serverTime);
  return list;
}

export const fetchDrop = (id: string) => request<DropView>("GET", `/api/drops/${encodeURIComponent(id)}`);

export async function reserve(token: string, dropId: string, quantity: number): Promise<Reservation> {
  const { reservation } = await request<{ reservation: Reservation }>("POST", "/api/reservations", {
    token,
    body: { dropId, quantity },
    idempotencyKey: newIdempotencyKey(),
  });
  syncClock(reservation.serverTime);
  return reservation;
}

export async function releaseHold(token: string, reservationId: string): Promise<Reservation> {
  const { reservation } = await request<{ reservation: Reservation }>("DELETE", `/api/reservations/${encodeURIComponent(reservationId)}`, { token });
  return reservation;
}

/** Pays for a hold: `completed`, or `processing` (202) when the bank is slow; declines and outages throw. */
export async function purchase(token: string, reservationId: string, method?: string): Promise<Purchase> {
  const body = await request<{ purchase: Purchase }>("POST", "/api/purchases", {
    token,
    body: method ? { reservationId, payment: { method } } : { reservationId },
    idempotencyKey: newIdempotencyKey(),
  });
  return body.purchase;
}

export const fetchPurchase = async (token: string, purchaseId: string) =>
  (await request<{ purchase: Purchase }>("GET", `/api/purchases/${encodeURIComponent(purchaseId)}`, { token })).purchase;
