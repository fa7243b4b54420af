// From the page's one socket to the waiting rooms on it (a lazy chunk, mounted per drop).
// The line's public state travels on the drops themselves (useDrops.applyQueue); these are
// the two things a drop view cannot carry.
export type QueueSignal =
  /** queueAdmitted: this shopper's turn on one drop. */
  | { type: "admitted"; dropId: string; admittedUntil: string }
  /** The socket (re)connected: anything may have been missed, so every line asks again. */
  | { type: "resync" };

const listeners = new Set<(signal: QueueSignal) => void>();

export function sendQueueSignal(signal: QueueSignal): void {
  for (const listener of listeners) listener(signal);
}

export function onQueueSignal(listener: (signal: QueueSignal) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
