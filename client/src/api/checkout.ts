import { apiBaseUrl } from "../config";
import { ApiError, request } from "./http";
import type { TimelineEvent, User } from "./types";

export type { TimelineEvent };

/**
 * What the shopper may be told by, besides this page: each address as set,
 * and whether its owner confirmed it (only a confirmed one gets messages).
 */
export type Contact = Partial<Pick<User, "email" | "phone" | "emailConfirmed" | "phoneConfirmed">>;
export type ContactField = "email" | "phone";
/** Addresses to set; a new one (or the unconfirmed one again) is sent a code. Phone: E.164, e.g. +14155550123. */
export type ContactChange = Partial<Record<ContactField, string>>;

export const fetchTimeline = async (token: string, reservationId: string) =>
  (await request<{ events: TimelineEvent[] }>("GET", `/api/reservations/${encodeURIComponent(reservationId)}/timeline`, { token })).events;

export const updateContact = (token: string, change: ContactChange) => request<{ user: User }>("PATCH", "/api/me", { token, body: change });

/** Confirms the address set on `field` with the code sent to it. */
export const verifyContact = (token: string, field: ContactField, code: string) =>
  request<{ user: User }>("POST", `/api/me/${field}/verify`, { token, body: { code } });

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
