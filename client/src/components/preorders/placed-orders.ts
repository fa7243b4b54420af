import type { Preorder } from "../../api/preorders";

// Between a drop card and "My pre-orders", both in this chunk: an order placed or cancelled here
// shows at once on both, without waiting for the next GET /api/me. Changes made elsewhere come
// from that GET, which the page repeats on every preorderUpdated event.
const listeners = new Set<(preorder: Preorder) => void>();

export function announcePreorder(preorder: Preorder): void {
  for (const listener of listeners) listener(preorder);
}

export function onPreorderAnnounced(listener: (preorder: Preorder) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
