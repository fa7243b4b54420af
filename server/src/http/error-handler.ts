import type { NextFunction, Request, Response } from "express";
import { AppError, isAppError } from "../errors.js";
import { translateDbError } from "../db/errors.js";
import { logger } from "../log.js";

/** body-parser's failure types, each a client mistake with its own code. */
const bodyParserErrors: Record<string, () => AppError> = {
  "entity.parse.failed": () => new AppError("INVALID_JSON", "The body is not valid JSON."),
  "entity.too.large": () => new AppError("PAYLOAD_TOO_LARGE", "The body is too large."),
  "encoding.unsupported": () => new AppError("UNSUPPORTED_MEDIA_TYPE", "That content encoding is not supported."),
  "charset.unsupported": () => new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as UTF-8 JSON."),
  "request.aborted": () => new AppError("VALIDATION_ERROR", "The request body was cut short."),
  "request.size.invalid": () => new AppError("VALIDATION_ERROR", "The body length does not match Content-Length."),
  "stream.encoding.set": () => new AppError("VALIDATION_ERROR", "The request body could not be read."),
};

export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const type = (error as { type?: string })?.type;
  if (type && bodyParserErrors[type]) return bodyParserErrors[type]();
  // Any other client error body-parser reports (a body labelled gzip that is not gzip, ...).
  const status = (error as { status?: unknown; expose?: unknown })?.status;
  if (typeof status === "number" && status >= 400 && status < 500 && (error as { expose?: unknown }).expose === true) {
    if (status === 413) return new AppError("PAYLOAD_TOO_LARGE", "The body is too large.");
    if (status === 415) return new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as UTF-8 JSON.");
    return new AppError("VALIDATION_ERROR", "The request body could not be read (is its Content-Encoding right?).", [{ path: "", message: "unreadable body" }]);
  }
  // Express could not decode a path parameter (a broken %-escape).
  if (error instanceof URIError) {
    return new AppError("VALIDATION_ERROR", "The URL is malformed.", [{ path: "url", message: "contains an invalid percent-escape" }]);
  }
  const translated = translateDbError(error);
  if (isAppError(translated)) return translated;
  return new AppError("INTERNAL", "Something went wrong on our side; it has been logged.");
}

/** The one place errors become HTTP: `{error, message, details?}`, never a stack trace. */
export function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction) {
  const appError = toAppError(error);
  if (appError.status >= 500) {
    logger.error({ event: "request.failed", requestId: req.id, method: req.method, path: req.path, code: appError.code, error });
  }
  if (res.headersSent) return;
  res.status(appError.status).json({
    error: appError.code,
    message: appError.message,
    ...(appError.details === undefined ? {} : { details: appError.details }),
  });
}
