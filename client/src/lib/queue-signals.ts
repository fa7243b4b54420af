// From the page's one socket to the waiting rooms on it (a lazy chunk, mounted per drop).
// The line's public state travels on the drops themselves (useDrops.applyQueue), and so does
// the shopper's place (myQueueEntry, fetched again on every reconnect); this is the one thing
// a drop view cannot carry.
/** queueAdmitted: this shopper's turn on one drop. */
export type QueueSignal = { type: "admitted"; dropId: string; admittedUntil: string };

const listeners = new Set<(signal: QueueSignal) => void>();

export function sendQueueSignal(signal: QueueSignal): void {
  for (const listener of listeners) listener(signal);
}

export function onQueueSignal(listener: (signal: QueueSignal) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
