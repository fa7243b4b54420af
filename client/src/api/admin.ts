import { isApiError, request } from "./http";
import type { DropView } from "./types";

/** Fields of POST/PATCH /api/drops as the admin form sends them. */
export interface DropFields {
  name?: string;
  price?: string;
  totalStock?: number | string;
  startsAt?: string;
  endsAt?: string | null;
  holdSeconds?: number | string;
  maxPerUser?: number | string;
  /** null clears it. */
  imageUrl?: string | null;
  /** null clears it. */
  description?: string | null;
  /** The waiting room; null turns it off (and empties its line). */
  queue?: { admitPerSecond: number | string; admissionSeconds: number | string; opensAt?: string } | null;
  /** Creation only: a pre-order drop, released (and shipped) at releaseAt. */
  kind?: "drop" | "preorder";
  releaseAt?: string;
  fulfillGraceSeconds?: number | string;
  pickupReminderSeconds?: number | string;
}

/** GET /api/admin/whoami: true for the admin token, false for a token the server refuses (401, or 403 for a shopper's). */
export async function checkAdminToken(token: string): Promise<boolean> {
  try {
    await request<{ role: "admin" }>("GET", "/api/admin/whoami", { token });
    return true;
  } catch (error) {
    if (isApiError(error) && (error.status === 401 || error.status === 403)) return false;
    throw error;
  }
}

export const createDrop = (token: string, fields: DropFields) => request<DropView>("POST", "/api/drops", { token, body: fields });

export const updateDrop = (token: string, id: string, fields: DropFields) =>
  request<DropView>("PATCH", `/api/drops/${encodeURIComponent(id)}`, { token, body: fields });
