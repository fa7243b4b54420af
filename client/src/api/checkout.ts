import { apiBaseUrl } from "../config";
import { ApiError, request } from "./http";
import type { TimelineEvent, User } from "./types";

export type { TimelineEvent };

/** What the shopper may be told by, besides this page. */
export interface Contact {
  email?: string;
  /** E.164, e.g. +14155550123. */
  phone?: string;
}

export const fetchTimeline = async (token: string, reservationId: string) =>
  (await request<{ events: TimelineEvent[] }>("GET", `/api/reservations/${encodeURIComponent(reservationId)}/timeline`, { token })).events;

export const updateContact = (token: string, contact: Contact) => request<{ user: User & Contact }>("PATCH", "/api/me", { token, body: contact });

/**
 * A ticket's QR code as a data: URL for an <img>: the route needs the
 * shopper's token, which a plain `src` cannot send; the page's CSP allows
 * data: images (not blob:), and an <img> never runs anything inside an SVG.
 */
export async function fetchTicketQrUrl(token: string, code: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${apiBaseUrl}/api/tickets/${encodeURIComponent(code)}/qr.svg`, { headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(0, "NETWORK", "Could not reach the server.");
  }
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, `The QR code could not be loaded (${response.status}).`);
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(await response.text())}`;
}
