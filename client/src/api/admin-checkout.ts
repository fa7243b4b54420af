import { request } from "./http";
import type { FailuresResponse, Ticket, TimelineEvent } from "./types";

export type FailureGroup = FailuresResponse["groups"][number];

// As API.md describes it (the server's outbox schema is not shared yet).
export type OutboxStatus = "pending" | "sent" | "failed";

export interface OutboxMessage {
  id: string;
  channel: "email" | "sms";
  /** Which message it is, e.g. purchase_confirmation, cart_expired. */
  template?: string;
  to: string;
  subject?: string;
  body: string;
  /** The email as rendered for the inbox. */
  html?: string;
  status: OutboxStatus;
  attempts: number;
  lastError?: string | null;
  createdAt: string;
  sentAt?: string | null;
  reservationId?: string | null;
}

export const fetchFailures = (token: string, sinceSeconds: number) =>
  request<FailuresResponse>("GET", `/api/admin/failures?sinceSeconds=${sinceSeconds}`, { token });

export const fetchAdminTimeline = async (token: string, reservationId: string) =>
  (await request<{ events: TimelineEvent[] }>("GET", `/api/admin/reservations/${encodeURIComponent(reservationId)}/timeline`, { token })).events;

export const fetchOutbox = async (token: string, status?: OutboxStatus) =>
  (await request<{ messages: OutboxMessage[] }>("GET", `/api/admin/outbox${status ? `?status=${status}` : ""}`, { token })).messages;

export const checkInTicket = async (token: string, code: string) =>
  (await request<{ ticket: Ticket }>("POST", `/api/admin/tickets/${encodeURIComponent(code)}/check-in`, { token })).ticket;
