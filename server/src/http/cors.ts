import type { NextFunction, Request, Response } from "express";

/**
 * Cross-origin access for exactly the configured origins (the split deploy's
 * client on another host). Anyone else gets no CORS headers, so browsers refuse.
 */
export function corsAllowlist(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    res.vary("Origin");
    if (origin && allowed.has(origin)) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      // Without these, a page on another origin cannot read them (a replayed answer, the id to quote in a report).
      res.setHeader("Access-Control-Expose-Headers", "Retry-After, RateLimit, RateLimit-Policy, Idempotent-Replayed, X-Request-Id");
      if (req.method === "OPTIONS") {
        res.setHeader("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE");
        res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key");
        res.setHeader("Access-Control-Max-Age", "600");
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/** For Socket.IO's handshake: same-origin or an allowed origin; requests without Origin are not browsers. */
export function originAllowed(origins: readonly string[], origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  if (origins.includes(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
