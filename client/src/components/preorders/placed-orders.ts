import type { Preorder } from "../../api/preorders";

// From a drop card that just took a pre-order to "My pre-orders", both in this chunk: the order
// shows at once, without waiting for the next GET /api/me. Later changes come from that GET,
// which the page repeats on every preorderUpdated event.
const listeners = new Set<(preorder: Preorder) => void>();

export function announcePreorder(preorder: Preorder): void {
  for (const listener of listeners) listener(preorder);
}

export function onPreorderAnnounced(listener: (preorder: Preorder) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
