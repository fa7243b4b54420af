import { createHash } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { isForeignKeyViolation } from "../db/errors.js";
import type { Db } from "../db/prisma.js";
import { AppError, errorMessage, sessionGone } from "../errors.js";
import { requireShopper } from "../http/auth.js";
import { logger } from "../log.js";
import { claimKey, findKey, releaseKey, storeAnswer } from "./idempotency.sql.js";
import type { OwnerLock } from "./owner-lock.js";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** How long a duplicate waits for the first request before it is told IDEMPOTENCY_KEY_IN_USE. */
const WAIT_FOR_FIRST_MS = 3_000;
/**
 * A claim whose owner is unknown (made while the owner lock was not held) is
 * released after this; a claim whose owning process died is released at once.
 */
const ABANDONED_AFTER_S = 60;

/**
 * `Idempotency-Key` for POST routes (API.md, Conventions). The key is claimed
 * in PostgreSQL before the request runs, so retries on any server instance
 * see it; the response is stored before it is sent, so a client that got an
 * answer can always get the same one again. A 5xx is not stored: the retry runs.
 */
export function idempotent(db: Db, owner: Pick<OwnerLock, "current">) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw new AppError("VALIDATION_ERROR", "Idempotency-Key must be 1-255 visible ASCII characters.", [
        { path: "Idempotency-Key", message: "must be 1-255 visible ASCII characters" },
      ]);
    }
    const shopper = requireShopper(req);
    const requestHash = hashRequest(req);
    // Nested deeper than any body of ours: validation refuses it just as it would without a key.
    if (requestHash === undefined) return next();

    const claimed = await claim(db, shopper.id, key, requestHash, owner.current());
    if (!claimed) return replay(db, shopper.id, key, requestHash, res);

    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const store = res.statusCode >= 500 ? releaseKey(db, shopper.id, key) : storeAnswer(db, shopper.id, key, res.statusCode, body);
      store.then(
        () => send(body),
        (error: unknown) => {
          logger.warn({ event: "idempotency.store_failed", error: errorMessage(error) });
          send(body);
        },
      );
      return res;
    };
    next();
  };
}

async function claim(db: Db, userId: string, key: string, requestHash: string, owner: number | null): Promise<boolean> {
  try {
    return await claimKey(db, userId, key, requestHash, owner, ABANDONED_AFTER_S);
  } catch (error) {
    // A validly signed token of a shopper the database no longer has: the same answer as without a key.
    if (isForeignKeyViolation(error)) throw sessionGone();
    throw error;
  }
}

async function replay(db: Db, userId: string, key: string, requestHash: string, res: Response) {
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const row = await findKey(db, userId, key);
    if (row && row.request_hash !== requestHash) {
      throw new AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request; use a new key.");
    }
    if (row?.status_code != null) {
      res.setHeader("Idempotent-Replayed", "true");
      res.status(row.status_code).json(row.response);
      return;
    }
    if (!row || Date.now() >= deadline) {
      // Gone (the first one failed with a 5xx) or still running: the client may retry.
      throw new AppError("IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is still being processed; retry shortly.");
    }
    // The first request holds the key; its answer is usually milliseconds away.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function hashRequest(req: Request): string | undefined {
  const body = canonicalJson(req.body);
  if (body === undefined) return undefined;
  return createHash("sha256").update(`${req.method} ${req.baseUrl}${req.path}\n${body}`).digest("hex");
}

/** No request body of ours nests deeper; hashing a deeper one could exhaust the stack. */
const MAX_DEPTH = 32;

/** JSON with object keys sorted, so key order in the body does not make it "different"; undefined when too deep. */
function canonicalJson(value: unknown, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value) || (value && typeof value === "object")) {
    const isArray = Array.isArray(value);
    const keys = isArray ? value.map((_, i) => i) : Object.keys(value as object).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const item = canonicalJson((value as Record<string | number, unknown>)[key], depth + 1);
      if (item === undefined) return undefined;
      parts.push(isArray ? item : `${JSON.stringify(key)}:${item}`);
    }
    return isArray ? `[${parts.join(",")}]` : `{${parts.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
