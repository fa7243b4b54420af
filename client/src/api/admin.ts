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
}

// An id that is a well-formed UUID but never a drop: PATCHing it changes nothing.
const NO_DROP = "00000000-0000-0000-0000-000000000000";

/**
 * There is no "who am I" route for admins, so the token is tried on an edit of
 * a drop that cannot exist: 404 DROP_NOT_FOUND means the token was accepted.
 */
export async function checkAdminToken(token: string): Promise<boolean> {
  try {
    await request("PATCH", `/api/drops/${NO_DROP}`, { token, body: { name: "x" } });
    return true;
  } catch (error) {
    if (isApiError(error) && error.code === "DROP_NOT_FOUND") return true;
    if (isApiError(error) && (error.status === 401 || error.status === 403)) return false;
    throw error;
  }
}

export const createDrop = (token: string, fields: DropFields) => request<DropView>("POST", "/api/drops", { token, body: fields });

export const updateDrop = (token: string, id: string, fields: DropFields) =>
  request<DropView>("PATCH", `/api/drops/${encodeURIComponent(id)}`, { token, body: fields });
