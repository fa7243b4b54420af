// The pre-order command line's one way to the server: its HTTP API over global fetch, nothing else.

import { errorMessage } from "../../errors.js";

/** A failure the command line reports on one line (or a few) and ends with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Wrong words on the command line, a missing token, a server out of reach: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The server answered and said no (any status outside 2xx): exit 1, with its error code and message. */
export class ServerRefusal extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message, 1);
  }
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  idempotencyKey?: string;
}

// A pre-order is paid before it answers, and a slow bank may take PAYMENT_TIMEOUT_MS and a retry or two.
const ANSWER_TIMEOUT_MS = 60_000;

/** Calls `method path` on `baseUrl`; the parsed success body, or a ServerRefusal / UsageError. */
export async function callApi<T>(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  let response: Response;
  let text: string;
  try {
    response = await fetch(baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    text = await response.text();
  } catch (error) {
    throw new UsageError(unreachable(baseUrl, error));
  }
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.ok) {
    if (parsed === undefined) throw new UsageError(`${baseUrl} answered ${method} ${path} with ${response.status} but no JSON: is it a Dropline server?`);
    return parsed as T;
  }
  if (isErrorBody(parsed)) throw new ServerRefusal(response.status, parsed.error, parsed.message, parsed.details);
  // Not an error body of ours (a proxy's page, a server without these routes): say what came back.
  const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
  throw new ServerRefusal(response.status, `HTTP_${response.status}`, snippet || response.statusText || "no explanation in the answer");
}

function isErrorBody(value: unknown): value is { error: string; message: string; details?: unknown } {
  return typeof value === "object" && value !== null && typeof (value as { error?: unknown }).error === "string" && typeof (value as { message?: unknown }).message === "string";
}

function unreachable(baseUrl: string, error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `${baseUrl} did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`;
  }
  // fetch hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const reason = (cause as NodeJS.ErrnoException | undefined)?.code ?? cause?.message ?? errorMessage(error);
  return `cannot reach the server at ${baseUrl} (${reason}): is it running (npm start)? Point elsewhere with --url or DROPLINE_URL.`;
}
