import { z } from "zod";
import type { AuditReport } from "../src/audit/audit.js";
import type { DropList, DropView } from "../src/drops/drops.schemas.js";
import { errorStatus, type ErrorCode } from "../src/errors.js";
import type { Purchase } from "../src/purchases/purchases.schemas.js";
import type { TimelineEvent } from "../src/timeline/timeline.schemas.js";
import type { QueueEntry } from "../src/queue/queue.schemas.js";
import type { Reservation } from "../src/reservations/reservations.schemas.js";
import type { MeResponse, SessionResponse } from "../src/sessions/sessions.schemas.js";
import { ADMIN_TOKEN } from "./env.js";

/** Every error body (API.md): a code from the closed set, a message for people, and details for some codes. */
export const errorBodySchema = z.strictObject({
  error: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
  message: z.string().regex(/\S/),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/**
 * What a route answers: its success body or an error body. Each side's keys
 * read as undefined on the other, so a test can look at `body.error` or
 * `body.reservation?.id` without a cast; `ok()` takes the success side.
 */
export type Answer<T> = (T & { [K in keyof ErrorBody]?: never }) | (ErrorBody & { [K in keyof T]?: never });
/** An answer whose success body the test does not look into: `body.error` reads, nothing else. */
export type SomeAnswer = Answer<object>;

type ExtraHeaders = { headers?: Record<string, string> };

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** The success body of an answer; throws with what the server sent unless the status is `status` (any 2xx when omitted). */
export function ok<B>(response: ApiResponse<B>, status?: number): Exclude<B, { error: ErrorCode }> {
  const expected = status === undefined ? response.status >= 200 && response.status < 300 : response.status === status;
  if (!expected) throw new Error(`expected ${status ?? "a 2xx status"}, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Exclude<B, { error: ErrorCode }>;
}

/** The HTTP API as a shopper or the admin calls it, over real fetch; bodies are typed by the server's response schemas. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async call<T = unknown>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the test will say so.
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** A new shopper with a unique name; throws unless the session is created. */
  async shopper(prefix = "shopper"): Promise<SessionResponse> {
    const username = `${prefix}_${Math.random().toString(36).slice(2, 10)}`.slice(0, 32);
    return ok(await this.startSession(username), 201);
  }

  /** A new drop with sensible defaults; throws unless it is created. */
  async createDrop(fields: Record<string, unknown> = {}): Promise<DropView> {
    const response = await this.call<Answer<DropView>>("POST", "/api/drops", {
      token: ADMIN_TOKEN,
      body: { name: "Test drop", price: "100.00", totalStock: 10, ...fields },
    });
    return ok(response, 201);
  }

  startSession(username: string, options: ExtraHeaders = {}) {
    return this.call<Answer<SessionResponse>>("POST", "/api/sessions", { body: { username }, headers: options.headers });
  }

  listDrops(token?: string) {
    return this.call<Answer<DropList>>("GET", "/api/drops", { token });
  }

  getDrop(dropId: string, token?: string) {
    return this.call<Answer<DropView>>("GET", `/api/drops/${dropId}`, { token });
  }

  updateDrop(dropId: string, fields: Record<string, unknown>) {
    return this.call<Answer<DropView>>("PATCH", `/api/drops/${dropId}`, { token: ADMIN_TOKEN, body: fields });
  }

  reserve(token: string, dropId: string, quantity?: number, options: ExtraHeaders = {}) {
    return this.call<Answer<{ reservation: Reservation }>>("POST", "/api/reservations", {
      token,
      body: quantity === undefined ? { dropId } : { dropId, quantity },
      headers: options.headers,
    });
  }

  joinQueue(token: string, dropId: string, options: ExtraHeaders = {}) {
    return this.call<Answer<QueueEntry>>("POST", `/api/drops/${dropId}/queue`, { token, headers: options.headers });
  }

  queueEntry(token: string, dropId: string) {
    return this.call<Answer<QueueEntry>>("GET", `/api/drops/${dropId}/queue/me`, { token });
  }

  leaveQueue(token: string, dropId: string) {
    return this.call<Answer<QueueEntry>>("DELETE", `/api/drops/${dropId}/queue/me`, { token });
  }

  getReservation(token: string, reservationId: string) {
    return this.call<Answer<{ reservation: Reservation }>>("GET", `/api/reservations/${reservationId}`, { token });
  }

  cancelReservation(token: string, reservationId: string) {
    return this.call<Answer<{ reservation: Reservation }>>("DELETE", `/api/reservations/${reservationId}`, { token });
  }

  /** Pays for a hold; `method` names a payment method (the simulated provider's `sim_*`), absent: the default. */
  purchase(token: string, reservationId: string, options: ExtraHeaders & { method?: string } = {}) {
    const body = options.method === undefined ? { reservationId } : { reservationId, payment: { method: options.method } };
    return this.call<Answer<{ purchase: Purchase }>>("POST", "/api/purchases", { token, body, headers: options.headers });
  }

  getPurchase(token: string, purchaseId: string) {
    return this.call<Answer<{ purchase: Purchase }>>("GET", `/api/purchases/${purchaseId}`, { token });
  }

  /** The hold's timeline: the owner's route with a shopper token, the admin's without one. */
  timeline(reservationId: string, token?: string) {
    return token
      ? this.call<Answer<{ events: TimelineEvent[] }>>("GET", `/api/reservations/${reservationId}/timeline`, { token })
      : this.call<Answer<{ events: TimelineEvent[] }>>("GET", `/api/admin/reservations/${reservationId}/timeline`, { token: ADMIN_TOKEN });
  }

  me(token: string) {
    return this.call<Answer<MeResponse>>("GET", "/api/me", { token });
  }

  audit() {
    return this.call<Answer<AuditReport>>("GET", "/api/admin/audit", { token: ADMIN_TOKEN });
  }
}
