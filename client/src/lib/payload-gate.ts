import type { ServerToClientEvents } from "../api/types";
import type { PayloadCheck } from "./socket-payloads";

type EventName = keyof ServerToClientEvents;
type Check = (event: EventName, payload: unknown) => PayloadCheck;

// zod and the server's schemas weigh about 25 kB gzipped, more than a quarter of the shopper's
// page again, so they are a chunk of their own: fetched as soon as a socket opens, never in the
// way of the first paint.
let loading: Promise<Check> | undefined;
function loadCheck(): Promise<Check> {
  loading ??= import("./socket-payloads").then(
    (module) => module.checkPayload,
    (error: unknown) => {
      loading = undefined; // the next event tries again
      throw error;
    },
  );
  return loading;
}

// One warning per kind of event for the page's life: a server sending bad payloads sends many.
const warned = new Set<EventName>();

/**
 * Between the socket and the handlers: every payload is checked against the
 * server's schema, and one that does not parse is dropped (and logged once).
 * Events that arrive before the checker has loaded wait, in order; none is
 * ever handed on unchecked.
 */
export function payloadGate(deliver: (event: EventName, payload: unknown) => void) {
  let check: Check | undefined;
  let closed = false;
  const waiting: [EventName, unknown][] = [];

  const pass = (event: EventName, payload: unknown, verify: Check) => {
    const result = verify(event, payload);
    if (result.ok) deliver(event, result.payload);
    else if (!warned.has(event)) {
      warned.add(event);
      console.warn(`Dropline: ignored a ${event} event that does not match the server's schema (${result.problem}); later ones are ignored without a warning.`);
    }
  };

  const load = () => {
    loadCheck().then(
      (loaded) => {
        if (closed) return;
        check = loaded;
        for (const [event, payload] of waiting.splice(0)) pass(event, payload, loaded);
      },
      () => console.warn("Dropline: could not load the socket payload checker; live updates wait for the next event to try again."),
    );
  };
  load();

  return {
    push(event: EventName, payload: unknown) {
      if (closed) return;
      if (check) return pass(event, payload, check);
      waiting.push([event, payload]);
      if (!loading) load();
    },
    close() {
      closed = true;
      waiting.length = 0;
    },
  };
}
