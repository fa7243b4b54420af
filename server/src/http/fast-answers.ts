import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Config } from "../config.js";
import type { Services } from "../context.js";
import type { Secrets } from "../auth/secrets.js";
import type { AppError } from "../errors.js";
import { logger } from "../log.js";
import { queueClosed } from "../queue/queue.service.js";
import { createReservationBody } from "../reservations/reservations.schemas.js";
import { outOfStock } from "../reservations/reservations.service.js";
import { isOurId } from "../values/ids.js";
import { REQUEST_ID } from "./observability.js";
import { securityHeaders } from "./security-headers.js";
import { VerifiedTokens } from "./verified-tokens.js";

/** Larger bodies are not a hold's `{"dropId": "...", "quantity": n}`: the full path reads them. */
const MAX_FAST_BODY = 1024;
const JSON_TYPE = /^application\/json(?:;\s*charset=utf-8)?$/i;
const QUEUE_JOIN = /^\/api\/drops\/([0-9a-fA-F-]{36})\/queue$/;
const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/i;
/** What a request body read here carries on to Express when the fast path cannot answer it. */
const EARLY_BODY_ERROR = Symbol("earlyBodyError");

type Early = IncomingMessage & { body?: unknown; [EARLY_BODY_ERROR]?: Error };
/** Header names and values in turn, as writeHead takes them. */
type Headers = string[];
/** cors.ts's list: what a page on an allowed origin may read of an answer. */
const EXPOSED_HEADERS = "Retry-After, RateLimit, RateLimit-Policy, Idempotent-Replayed, X-Request-Id";

/**
 * The crowd's cheapest answers, given before Express: a hold refused because
 * the drop is known sold out (OUT_OF_STOCK) and a join refused because the
 * line is known closed (QUEUE_CLOSED). They come from the same memory the
 * routes consult (SoldOutCache, ClosedLines), which the event bus keeps right
 * after an edit in any process, so they are the full path's answers, headers
 * and metrics included, without its middleware chain, parser and HMAC.
 * Anything else (rate limits on, Idempotency-Key, a proxy's headers, an
 * unusual body, a token not verified, memory that does not know) goes to
 * Express untouched, or, once its body has been read here, with that body.
 */
export class FastAnswers {
  private readonly tokens: VerifiedTokens;
  private readonly overHttp: Headers;
  private readonly overHttps: Headers;
  private readonly corsOrigins: Set<string>;
  /** The error handler's answers, built once: an AppError per request would capture a stack trace each time. */
  private readonly outOfStock = answerFor(outOfStock());
  private readonly queueClosed = answerFor(queueClosed());
  /** Answers given here (a test hook: which path answered). */
  answered = 0;

  constructor(
    private readonly config: Config,
    private readonly services: Services,
    secrets: Secrets,
  ) {
    this.tokens = new VerifiedTokens(secrets);
    this.overHttp = recordFixedHeaders(config, false);
    this.overHttps = recordFixedHeaders(config, true);
    this.corsOrigins = new Set(config.corsOrigins);
  }

  /** Answers the request, or hands it to `full` (Express). */
  handle(req: IncomingMessage, res: ServerResponse, full: () => void): void {
    // Every counted request must be counted in the shared store, as the full path does.
    if (this.config.rateLimits.enabled || req.method !== "POST") return full();
    const headers = req.headers;
    if (headers["idempotency-key"] !== undefined || headers["x-forwarded-proto"] !== undefined || headers["content-encoding"] !== undefined) return full();
    const url = req.url ?? "";
    if (url === "/api/reservations") return this.reservation(req, res, full);
    const join = QUEUE_JOIN.exec(url);
    if (join) return this.queueJoin(req, res, join[1]!, full);
    full();
  }

  private shopperId(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const match = BEARER.exec(header.trim());
    return match ? this.tokens.shopper(match[1]!)?.id : undefined;
  }

  private queueJoin(req: IncomingMessage, res: ServerResponse, rawId: string, full: () => void): void {
    // The route reads no body, but the full path still parses one: only bodiless joins are answered here.
    if (hasBody(req) || !isOurId(rawId)) return full();
    const dropId = rawId.toLowerCase();
    if (!this.services.closedLines.has(dropId) || this.shopperId(req) === undefined) return full();
    this.services.metrics.queueJoins.inc({ outcome: "queue_closed_cached" });
    this.send(req, res, this.queueClosed);
  }

  private reservation(req: IncomingMessage, res: ServerResponse, full: () => void): void {
    const length = Number(req.headers["content-length"]);
    if (req.headers["transfer-encoding"] !== undefined || !(length >= 1 && length <= MAX_FAST_BODY)) return full();
    if (!JSON_TYPE.test(req.headers["content-type"] ?? "")) return full();
    const shopperId = this.shopperId(req);
    if (shopperId === undefined) return full();
    const chunks: Buffer[] = [];
    const early = req as Early;
    let settled = false;
    const cutShort = () => {
      if (settled) return;
      settled = true;
      // What body-parser reports for a body that never completes (the error handler's VALIDATION_ERROR).
      early[EARLY_BODY_ERROR] = Object.assign(new Error("request aborted"), { type: "request.aborted", status: 400, expose: true });
      full();
    };
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("error", cutShort);
    req.once("aborted", cutShort);
    req.once("end", () => {
      if (settled) return;
      settled = true;
      const parsed = parseLikeBodyParser(Buffer.concat(chunks));
      if (parsed instanceof Error) {
        early[EARLY_BODY_ERROR] = parsed;
        return full();
      }
      early.body = parsed;
      const input = createReservationBody.safeParse(parsed);
      if (!input.success || !isOurId(input.data.dropId) || !this.services.soldOut.refuses(input.data.dropId, shopperId, input.data.quantity)) return full();
      this.services.metrics.holds.inc({ outcome: "out_of_stock_cached" });
      this.send(req, res, this.outOfStock);
    });
  }

  /** What the middleware chain and the error handler would have written for this answer. */
  private send(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
    this.answered++;
    const socket = req.socket as Partial<TLSSocket>;
    const secure = this.config.upgradeInsecureRequests === "always" || socket.encrypted === true;
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    // One flat list for writeHead: a setHeader per header was a tenth of this answer's CPU.
    const headers = (secure ? this.overHttps : this.overHttp).slice();
    headers.push("X-Request-Id", id, "Content-Length", answer.length);
    const origin = req.headers.origin;
    if (origin && this.corsOrigins.has(origin)) {
      headers.push("Access-Control-Allow-Origin", origin, "Access-Control-Expose-Headers", EXPOSED_HEADERS);
    }
    res.writeHead(answer.status, headers);
    res.end(answer.body);
    this.services.metrics.httpRequests.inc({ method: "POST", status: answer.status });
    if (logger.isLevelEnabled("debug")) logger.debug({ event: "http.request", requestId: id, method: "POST", path: req.url, status: answer.status, ms: 0 }); // answered in the same turn
  }
}

interface Answer {
  status: number;
  body: string;
  length: string;
}

/** What errorHandler writes for this error: `{error, message, details?}`. */
function answerFor(error: AppError): Answer {
  const body = JSON.stringify({ error: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) });
  return { status: error.status, body, length: String(Buffer.byteLength(body)) };
}

/** Placed where express.json parses: a body the fast path read and could not parse fails here, as the parser would have. */
export const earlyBodyError: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
  next((req as unknown as Early)[EARLY_BODY_ERROR]);
};

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/** body-parser's json({strict: true}) on UTF-8: `{}` for an empty body, an object or array, or its parse error. */
function parseLikeBodyParser(bytes: Buffer): unknown {
  const text = new TextDecoder("utf-8").decode(bytes);
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*(.)/s.exec(text)?.[1];
  try {
    if (first !== "{" && first !== "[") throw new SyntaxError("strict violation");
    return JSON.parse(text) as unknown;
  } catch (error) {
    // The type is what the error handler maps to INVALID_JSON.
    return Object.assign(error instanceof Error ? error : new SyntaxError("invalid json"), { type: "entity.parse.failed", status: 400, expose: true });
  }
}

/**
 * Every header the full path sets on these answers whatever the request (helmet's for this config,
 * the API router's), recorded once: they depend on nothing but whether the request came over HTTPS.
 */
function recordFixedHeaders(config: Config, secure: boolean): Headers {
  const recorded = new Map<string, [string, string]>();
  const res = {
    setHeader(name: string, value: string | number | string[]) {
      // A later setHeader replaces an earlier one, as on a real response.
      recorded.set(name.toLowerCase(), [name, String(value)]);
      return res;
    },
    removeHeader() {},
    getHeader() {
      return undefined;
    },
  };
  const req = { secure, headers: {} };
  for (const middleware of securityHeaders(config)) {
    middleware(req as unknown as Request, res as unknown as Response, () => undefined);
  }
  // cors.ts (res.vary), app.ts's API headers, and res.json's Content-Type.
  res.setHeader("Vary", "Origin");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  return [...recorded.values()].flat();
}
