import { AppError, errorMessage } from "../errors.js";

/** PostgreSQL's SQLSTATE of a failed query, whether it came through Prisma or straight from pg. */
export function sqlState(error: unknown): string | undefined {
  const e = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: string; code?: string; kind?: string } } };
  };
  const cause = e?.meta?.driverAdapterError?.cause;
  if (cause?.originalCode) return cause.originalCode;
  if (cause?.code) return cause.code;
  if (typeof e?.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return undefined;
}

export const isUniqueViolation = (error: unknown) =>
  sqlState(error) === "23505" || (error as { code?: string })?.code === "P2002";
export const isForeignKeyViolation = (error: unknown) =>
  sqlState(error) === "23503" || (error as { code?: string })?.code === "P2003";

const unavailableStates = new Set([
  "57P01", // admin_shutdown: the server is restarting
  "57P02",
  "57P03", // cannot_connect_now: starting up
  "53300", // too_many_connections
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "55P03", // lock_not_available: lock_timeout hit on a busy row
  "57014", // query_canceled: statement_timeout
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);

const unavailableMessages = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|timeout exceeded when trying to connect|Can't reach database|DatabaseNotReachable|ConnectionClosed|connection is closed|terminating connection/i;

/**
 * Translates database failures that are not the client's fault into a 503 the
 * client can retry; anything else stays an internal error (logged, never shown).
 */
export function translateDbError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const state = sqlState(error);
  const kind = (error as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } })?.meta?.driverAdapterError?.cause?.kind;
  const message = errorMessage(error);
  if ((state && unavailableStates.has(state)) || kind === "DatabaseNotReachable" || kind === "ConnectionClosed" || unavailableMessages.test(message)) {
    return new AppError("SERVICE_UNAVAILABLE", "The database is busy or unreachable; please retry shortly.");
  }
  return error;
}
