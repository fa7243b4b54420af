import express, { type Express, type NextFunction, type Request, type Response } from "express";
import expressStaticGzip from "express-static-gzip";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import type { Services } from "../context.js";
import type { Secrets } from "../auth/secrets.js";
import { AppError } from "../errors.js";
import { auditRoutes } from "../audit/audit.routes.js";
import { dropRoutes } from "../drops/drops.routes.js";
import { preorderRoutes } from "../preorders/preorders.routes.js";
import { purchaseRoutes } from "../purchases/purchases.routes.js";
import { queueRoutes } from "../queue/queue.routes.js";
import { reservationRoutes } from "../reservations/reservations.routes.js";
import { sessionRoutes } from "../sessions/sessions.routes.js";
import { outboxRoutes } from "../notifications/outbox.routes.js";
import { ticketRoutes } from "../tickets/tickets.routes.js";
import { timelineRoutes } from "../timeline/timeline.routes.js";
import { adminRoutes } from "./admin.routes.js";
import { identify } from "./auth.js";
import { metricsRoute, requestContext } from "./observability.js";
import { corsAllowlist } from "./cors.js";
import { errorHandler } from "./error-handler.js";
import { earlyBodyError } from "./fast-answers.js";
import { createLimits } from "./rate-limit.js";
import { securityHeaders } from "./security-headers.js";
import { stripeWebhookRoutes } from "../payments/stripe-webhooks.js";

export interface AppDeps {
  config: Config;
  services: Services;
  secrets: Secrets;
  /** Answers /api/ready: true when the database responds (a cached probe: readiness floods cost nothing). */
  isReady: () => Promise<boolean>;
  /** The built React client, served at / when present. */
  clientDir?: string;
}

export function createApp(deps: AppDeps): Express {
  const { config, services, secrets } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.use(securityHeaders(config));
  app.use(requestContext(services.metrics));
  // Live data: a 304 from a stale ETag is never what a drop page wants.
  app.set("etag", false);
  app.set("trust proxy", config.trustProxy);

  const limits = createLimits(config, services.pool);

  const api = express.Router();
  api.use(corsAllowlist(config.corsOrigins));
  api.use((_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    next();
  });
  api.use(requireJsonBody);
  api.use(earlyBodyError);
  api.use(express.json({ limit: "16kb", strict: true, type: ["application/json", "application/*+json"] }));
  api.use(requireObjectBody);
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
  api.use(queueRoutes(services, limits, { capPerIp: config.rateLimits.enabled }));
  api.use(reservationRoutes(services, limits));
  api.use(purchaseRoutes(services, limits));
  api.use(ticketRoutes(services, limits));
  api.use(preorderRoutes(services, limits));
  api.use(timelineRoutes(services, limits));
  api.use(auditRoutes(services, limits));
  api.use(outboxRoutes(services, limits));
  api.use(adminRoutes(limits));
  // Probing for routes is not free either: unknown paths draw on the reads budget.
  api.use(limits.reads, (req, _res, next) => next(new AppError("NOT_FOUND", `No route ${req.method} ${req.baseUrl}${req.path}.`)));
  // Ahead of the API's JSON parser: the signature is over the raw bytes. Without Stripe the path stays a 404.
  if (config.payments.stripe) app.use("/api/webhooks/stripe", stripeWebhookRoutes(services, config.payments.stripe.webhookSecret, limits));
  app.use("/api", api);
  app.get("/metrics", limits.failedAuth, metricsRoute(services.metrics, [secrets.adminToken, config.metricsToken]));

  if (deps.clientDir && existsSync(path.join(deps.clientDir, "index.html"))) {
    const clientDir = deps.clientDir;
    // Vite names every built asset by its content hash, so an asset never changes: cached for a year,
    // and served from the .br/.gz files the build wrote beside it (nothing is compressed per request).
    app.use(
      "/assets",
      expressStaticGzip(path.join(clientDir, "assets"), {
        enableBrotli: true,
        orderPreference: ["br", "gzip"],
        index: false,
        serveStatic: { immutable: true, maxAge: "365d", fallthrough: true },
      }),
    );
    app.use(express.static(clientDir, { index: "index.html", maxAge: "1h", setHeaders: noCacheForHtml }));
    // Client-side routes (/admin, ...) get the app shell; a missing asset stays a 404.
    app.get(/^\/(?!api\/|socket\.io\/|assets\/).*/, (_req, res) => {
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

/** Every body of ours is a JSON object; anything else is refused in plain words before any schema sees it. */
function requireObjectBody(req: Request, _res: Response, next: NextFunction) {
  const body: unknown = req.body;
  if (body !== undefined && (body === null || typeof body !== "object" || Array.isArray(body))) {
    next(new AppError("VALIDATION_ERROR", "The request body must be a JSON object, like {\"dropId\": \"...\"}.", [{ path: "", message: "must be a JSON object" }]));
    return;
  }
  next();
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
