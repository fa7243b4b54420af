import type { Preorder, PreorderStatus } from "../../../server/src/preorders/preorders.schemas";
import { newIdempotencyKey, request } from "./http";

// The server's zod-inferred types, as types only (see ./types.ts).
export type { Preorder, PreorderStatus };
export type Compensation = Preorder["compensations"][number];

/** The admin's view of an order: whose it is. */
export type AdminPreorder = Preorder & { username: string };

const path = (id: string) => `/api/preorders/${encodeURIComponent(id)}`;

/** Pays at once and sets units aside: a decline (402), an unreachable provider (503) or no unit left (409) throws. */
export async function placePreorder(token: string, dropId: string, quantity: number, method?: string): Promise<Preorder> {
  const body = await request<{ preorder: Preorder }>("POST", "/api/preorders", {
    token,
    body: method ? { dropId, quantity, payment: { method } } : { dropId, quantity },
    idempotencyKey: newIdempotencyKey(),
  });
  return body.preorder;
}

/** The shopper's own (before fulfilment starts) or the admin's (before delivery): units go back, the payment is refunded. */
export const cancelPreorder = async (token: string, id: string) => (await request<{ preorder: Preorder }>("POST", `${path(id)}/cancel`, { token })).preorder;

export async function fetchAdminPreorders(token: string, filter: { dropId?: string; status?: PreorderStatus } = {}): Promise<AdminPreorder[]> {
  const query = new URLSearchParams();
  if (filter.dropId) query.set("dropId", filter.dropId);
  if (filter.status) query.set("status", filter.status);
  const suffix = query.size > 0 ? `?${query}` : "";
  return (await request<{ preorders: AdminPreorder[] }>("GET", `/api/admin/preorders${suffix}`, { token })).preorders;
}

export type Checkpoint = "start-fulfillment" | "picked-up" | "delivered";

export const advancePreorder = async (token: string, id: string, checkpoint: Checkpoint) =>
  (await request<{ preorder: Preorder }>("POST", `/api/admin/preorders/${encodeURIComponent(id)}/${checkpoint}`, { token })).preorder;

/** Every released (awaiting_fulfillment) order of the drop at once. */
export const startFulfillmentForDrop = async (token: string, dropId: string) =>
  (await request<{ started: number }>("POST", `/api/admin/drops/${encodeURIComponent(dropId)}/preorders/start-fulfillment`, { token })).started;

/**
 * A drop's name, for an order whose drop has ended (the live list leaves ended
 * drops out). Not api/shopper's fetchDrop: importing that module from the
 * pre-order chunk makes the bundler split React out of the shopper's entry
 * into a shared chunk, about 1 kB more to fetch before the first paint.
 */
export const fetchDropName = async (dropId: string) => (await request<{ name: string }>("GET", `/api/drops/${encodeURIComponent(dropId)}`)).name;
