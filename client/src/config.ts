/**
 * Where the server lives. A split deploy (client on a CDN, server elsewhere)
 * bakes VITE_API_URL / VITE_SOCKET_URL in at build time; without them the
 * page's own origin serves everything.
 */
const origin = (value: string | undefined) => value?.trim().replace(/\/+$/, "").replace(/\/api$/, "") || undefined;

/** Prefix for `/api/...` paths: "" means same origin. */
export const apiBaseUrl = origin(import.meta.env.VITE_API_URL) ?? "";

/** Socket.IO origin; undefined lets socket.io-client use the page's origin. */
export const socketUrl = origin(import.meta.env.VITE_SOCKET_URL) ?? (apiBaseUrl || undefined);

/**
 * The simulated provider's test cards (sim_ok, sim_declined, ...) on the hold
 * panel. A build for a real provider sets VITE_SIMULATED_PAYMENTS=false, and
 * purchases then use the provider's default method.
 */
export const simulatedPayments = import.meta.env.VITE_SIMULATED_PAYMENTS !== "false";
