import { useSyncExternalStore } from "react";
import { serverNow } from "../lib/server-clock";

// One timer for the whole page, however many countdowns are on it.
const TICK_MS = 200;
const listeners = new Set<() => void>();
let tick = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void) {
  listeners.add(listener);
  timer ??= setInterval(() => {
    tick++;
    for (const notify of listeners) notify();
  }, TICK_MS);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The server's current time in ms, re-rendering the caller a few times a second. */
export function useServerNow(): number {
  useSyncExternalStore(subscribe, () => tick);
  return serverNow();
}
