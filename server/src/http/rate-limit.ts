import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";

const passThrough: RequestHandler = (_req, _res, next) => next();

/**
 * A per-minute limit keyed by shopper when a valid shopper token is present
 * (shoppers behind one venue's NAT do not share a budget), by client IP
 * otherwise. req.ip honours X-Forwarded-For only from TRUST_PROXY.
 */
export function perMinuteLimit(config: Config, name: string, limit: number): RequestHandler {
  if (!config.rateLimits.enabled) return passThrough;
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    identifier: name,
    keyGenerator: (req: Request) => {
      if (req.actor.kind === "shopper") return `${name}:shopper:${req.actor.shopper.id}`;
      if (req.actor.kind === "admin") return `${name}:admin`;
      return `${name}:ip:${ipKeyGenerator(req.ip ?? "unknown")}`;
    },
    handler: (_req: Request, _res: Response, next: NextFunction) =>
      next(new AppError("RATE_LIMITED", "Too many requests; wait for the time in Retry-After and try again.")),
  });
}
