/**
 * The one error type of the server. Every failure a client can see is one of
 * these codes; the HTTP status of each lives here and nowhere else.
 */
export const errorStatus = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  CODE_INVALID: 401,
  PAYMENT_DECLINED: 402,
  FORBIDDEN: 403,
  NOT_ADMITTED: 403,
  NOT_FOUND: 404,
  DROP_NOT_FOUND: 404,
  RESERVATION_NOT_FOUND: 404,
  QUEUE_ENTRY_NOT_FOUND: 404,
  PURCHASE_NOT_FOUND: 404,
  PREORDER_NOT_FOUND: 404,
  TICKET_NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  DROP_NOT_LIVE: 409,
  OUT_OF_STOCK: 409,
  LIMIT_EXCEEDED: 409,
  RESERVATION_NOT_ACTIVE: 409,
  STOCK_BELOW_COMMITTED: 409,
  QUEUE_NOT_ENABLED: 409,
  QUEUE_NOT_OPEN: 409,
  QUEUE_CLOSED: 409,
  TICKET_ALREADY_USED: 409,
  INVALID_TRANSITION: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  RESERVATION_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  PAYMENT_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    // An AppError is an answer, not a bug: nobody reads its stack, and collecting one is a
    // measurable share of a sold-out refusal's cost. (The error behind a 500 keeps its own.)
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = "AppError";
    this.code = code;
    this.details = details;
    this.status = errorStatus[code];
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

/** A token whose signature is good for a shopper the database no longer has (it was reset). */
export const sessionGone = () => new AppError("UNAUTHENTICATED", "This session is no longer valid; start a new one.");

/** The message of anything thrown, for logs and stored failure reasons (a thrown non-Error becomes its string). */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
