import { apiBaseUrl } from "../config";
import type { FieldProblem } from "./types";

/**
 * Any failed call: the server's `{error, message, details}` as a typed value,
 * or NETWORK when the server could not be reached at all.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** From Retry-After on 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** Field problems of a VALIDATION_ERROR, or none. */
  get fieldProblems(): FieldProblem[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is FieldProblem => typeof d === "object" && d !== null && typeof d.path === "string" && typeof d.message === "string",
    );
  }
}

export const isApiError = (error: unknown): error is ApiError => error instanceof ApiError;

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent on POSTs that take or buy a hold, so a network retry cannot do it twice. */
  idempotencyKey?: string;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(apiBaseUrl + path, { method, headers, body });
  } catch {
    throw new ApiError(0, "NETWORK", "Could not reach the server. Check your connection and try again.");
  }

  const payload: unknown = await response.json().catch(() => undefined);
  if (response.ok) return payload as T;

  const error = (payload ?? {}) as { error?: unknown; message?: unknown; details?: unknown };
  const retryAfter = Number(response.headers.get("retry-after"));
  throw new ApiError(
    response.status,
    typeof error.error === "string" ? error.error : `HTTP_${response.status}`,
    typeof error.message === "string" ? error.message : `The server answered ${response.status}.`,
    error.details,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

/** A fresh key per user action (not per network attempt). */
export const newIdempotencyKey = () =>
  typeof crypto.randomUUID === "function" ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
