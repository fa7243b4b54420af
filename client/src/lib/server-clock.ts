/**
 * The server's clock, as seen from this browser. Every deadline (hold expiry,
 * drop start) is a server time, so countdowns are measured against
 * `Date.now() + offset` where offset = serverTime - local time when the answer
 * arrived. A local clock that is minutes off then changes nothing on screen.
 */
let offsetMs = 0;

export function syncClock(serverTime: string, receivedAt = Date.now()): void {
  const server = Date.parse(serverTime);
  if (!Number.isFinite(server)) return;
  offsetMs = server - receivedAt;
}

export const serverNow = (): number => Date.now() + offsetMs;
