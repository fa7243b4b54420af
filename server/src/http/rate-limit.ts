import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import type pg from "pg";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { PostgresRateLimitStore } from "./rate-limit-store.js";

/** The budgets the routes draw on; each is a pass-through when RATE_LIMITS=off. */
export interface Limits {
  /** New sessions, per client IP whatever the request carries. */
  sessions: RequestHandler;
  /** Holds, purchases, cancels and admin writes: per shopper, per IP, or the admin token's own larger budget. */
  writes: RequestHandler;
  reads: RequestHandler;
  /** Failed attempts at a token-protected route without a shopper session (/metrics), per client IP. */
  failedAuth: RequestHandler;
}

const passThrough: RequestHandler = (_req, _res, next) => next();

/** Every budget is counted in PostgreSQL (`pool`), so all processes and instances share it. */
export function createLimits(config: Config, pool: pg.Pool): Limits {
  const { rateLimits } = config;
  if (!rateLimits.enabled) return { sessions: passThrough, writes: passThrough, reads: passThrough, failedAuth: passThrough };
  const perMinute = (name: string, limit: number, key: (req: Request) => string, options: LimitOptions = {}) =>
    rateLimit({
      windowMs: 60_000,
      limit,
      standardHeaders: "draft-7",
      legacyHeaders: false,
      identifier: name,
      keyGenerator: (req: Request) => `${name}:${key(req)}`,
      store: new PostgresRateLimitStore(pool, `rl:${name}`),
      // A store failure lets the request through: a limit must never be what takes the shop down.
      passOnStoreError: true,
      skip: options.skip,
      skipSuccessfulRequests: options.skipSuccessfulRequests ?? false,
      handler: (_req: Request, _res: Response, next: NextFunction) =>
        next(new AppError("RATE_LIMITED", "Too many requests; wait for the time in Retry-After and try again.")),
    });
  const isAdmin = (req: Request) => req.actor.kind === "admin";
  return {
    // Keyed by IP even with a shopper token: otherwise each new token would open a fresh budget for the next account.
    sessions: perMinute("sessions", rateLimits.sessionsPerMinute, (req) => `ip:${clientKey(req)}`),
    writes: chain(
      perMinute("writes", rateLimits.writesPerMinute, actorKey, { skip: isAdmin }),
      perMinute("admin-writes", rateLimits.adminWritesPerMinute, () => "admin", { skip: (req) => !isAdmin(req) }),
    ),
    reads: perMinute("reads", rateLimits.readsPerMinute, actorKey),
    failedAuth: perMinute("failed-auth", 30, (req) => `ip:${clientKey(req)}`, { skipSuccessfulRequests: true }),
  };
}

interface LimitOptions {
  skip?: (req: Request) => boolean;
  skipSuccessfulRequests?: boolean;
}

/** Two middlewares as one, the second only if the first let the request through. */
function chain(first: RequestHandler, second: RequestHandler): RequestHandler {
  return (req, res, next) => first(req, res, (error?: unknown) => (error ? next(error) : second(req, res, next)));
}

/**
 * Keyed by shopper when a valid shopper token is present (shoppers behind one
 * venue's NAT do not share a budget), by client IP otherwise. req.ip honours
 * X-Forwarded-For only from TRUST_PROXY.
 */
function actorKey(req: Request): string {
  if (req.actor.kind === "shopper") return `shopper:${req.actor.shopper.id}`;
  if (req.actor.kind === "admin") return "admin";
  return `ip:${clientKey(req)}`;
}

const clientKey = (req: Request) => ipKeyGenerator(req.ip ?? "unknown");
