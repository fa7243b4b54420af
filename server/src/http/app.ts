import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import type { Services } from "../context.js";
import type { Secrets } from "../auth/secrets.js";
import { AppError } from "../errors.js";
import { auditRoutes } from "../audit/audit.routes.js";
import { dropRoutes } from "../drops/drops.routes.js";
import { purchaseRoutes } from "../purchases/purchases.routes.js";
import { reservationRoutes } from "../reservations/reservations.routes.js";
import { sessionRoutes } from "../sessions/sessions.routes.js";
import helmet from "helmet";
import { identify } from "./auth.js";
import { metricsRoute, requestContext } from "./observability.js";
import { corsAllowlist } from "./cors.js";
import { errorHandler } from "./error-handler.js";
import { perMinuteLimit } from "./rate-limit.js";

export interface Limits {
  sessions: RequestHandler;
  writes: RequestHandler;
  reads: RequestHandler;
}

export interface AppDeps {
  config: Config;
  services: Services;
  secrets: Secrets;
  /** Answers /api/ready: true when the database responds. */
  isReady: () => Promise<boolean>;
  /** The built React client, served at / when present. */
  clientDir?: string;
}

export function createApp(deps: AppDeps): Express {
  const { config, services, secrets } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.use(helmet({ crossOriginResourcePolicy: config.corsOrigins.length > 0 ? { policy: "cross-origin" } : undefined }));
  app.use(requestContext(services.metrics));
  // Live data: a 304 from a stale ETag is never what a drop page wants.
  app.set("etag", false);
  app.set("trust proxy", config.trustProxy);

  const limits: Limits = {
    sessions: perMinuteLimit(config, "sessions", config.rateLimits.sessionsPerMinute),
    writes: perMinuteLimit(config, "writes", config.rateLimits.writesPerMinute),
    reads: perMinuteLimit(config, "reads", config.rateLimits.readsPerMinute),
  };

  const api = express.Router();
  api.use(corsAllowlist(config.corsOrigins));
  api.use((_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    next();
  });
  api.use(requireJsonBody);
  api.use(express.json({ limit: "16kb", strict: true, type: ["application/json", "application/*+json"] }));
  api.use(identify(secrets));

  api.get("/health", (_req, res) => {
    res.json({ ok: true });
  });
  api.get("/ready", async (_req, res) => {
    if (await deps.isReady()) res.json({ ok: true });
    else res.status(503).json({ ok: false, error: "SERVICE_UNAVAILABLE", message: "The database is not answering." });
  });
  api.use(sessionRoutes(services, secrets, limits));
  api.use(dropRoutes(services, limits));
  api.use(reservationRoutes(services, limits));
  api.use(purchaseRoutes(services, limits));
  api.use(auditRoutes(services, limits));
  api.use((req, _res, next) => next(new AppError("NOT_FOUND", `No route ${req.method} ${req.baseUrl}${req.path}.`)));
  app.use("/api", api);
  app.get("/metrics", metricsRoute(services.metrics, [secrets.adminToken, config.metricsToken]));

  if (deps.clientDir && existsSync(path.join(deps.clientDir, "index.html"))) {
    const clientDir = deps.clientDir;
    app.use(express.static(clientDir, { index: "index.html", maxAge: "1h", setHeaders: noCacheForHtml }));
    // Client-side routes (/admin, ...) get the app shell.
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.setHeader("Cache-Control", "no-cache");
      res.sendFile(path.join(clientDir, "index.html"));
    });
  }
  app.use((req, _res, next) => next(new AppError("NOT_FOUND", `No route ${req.method} ${req.path}.`)));
  app.use(errorHandler);
  return app;
}

function noCacheForHtml(res: Response, file: string) {
  if (file.endsWith(".html")) res.setHeader("Cache-Control", "no-cache");
}

/** A body the JSON parser would silently skip (text/plain, form data) is refused, not ignored. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  const hasBody = (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0") || req.headers["transfer-encoding"] !== undefined;
  if (hasBody && !req.is(["application/json", "application/*+json"])) {
    next(new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON with 'Content-Type: application/json'."));
    return;
  }
  next();
}
