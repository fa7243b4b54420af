import { randomUUID } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { sameSecret } from "../auth/tokens.js";
import { AppError } from "../errors.js";
import { logger } from "../log.js";
import type { Metrics } from "../observability/metrics.js";

declare module "express-serve-static-core" {
  interface Request {
    id: string;
  }
}

/** A caller's X-Request-Id is echoed only when it looks like one (the fast answers use the same test). */
export const REQUEST_ID = /^[\w.:-]{1,100}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it is sane), echoes
 * it back, counts the answer, and logs it: errors always, the rest at debug
 * (a drop's burst would otherwise be millions of lines).
 */
export function requestContext(metrics: Metrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.header("x-request-id");
    req.id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader("X-Request-Id", req.id);
    const started = performance.now();
    // Routers rewrite req.url while they run; the path as the client sent it is read now.
    const path = req.path;
    res.on("finish", () => {
      if (path.startsWith("/api/")) metrics.httpRequests.inc({ method: req.method, status: res.statusCode });
      const fields = { event: "http.request", requestId: req.id, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) };
      if (res.statusCode >= 500) logger.error(fields);
      else logger.debug(fields);
    });
    next();
  };
}

/** GET /metrics in Prometheus format, for the admin token or METRICS_TOKEN only. */
export function metricsRoute(metrics: Metrics, tokens: (string | undefined)[]): RequestHandler {
  const allowed = tokens.filter((t): t is string => Boolean(t));
  return async (req: Request, res: Response) => {
    const match = /^Bearer (.+)$/i.exec(req.header("authorization") ?? "");
    if (!match || !allowed.some((token) => sameSecret(match[1]!, token))) {
      throw new AppError("UNAUTHENTICATED", "Send the admin token or METRICS_TOKEN as 'Authorization: Bearer <token>'.");
    }
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
