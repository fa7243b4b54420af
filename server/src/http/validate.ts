import type { z } from "zod";
import { AppError } from "../errors.js";
import { canonicalId } from "../values/ids.js";

export interface FieldProblem {
  path: string;
  message: string;
}

/** Parses input against a zod schema; a mismatch is a 400 naming each bad field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what = "body"): z.output<S> {
  const result = schema.safeParse(value, { error: plainWords });
  if (result.success) return result.data;
  if (value === undefined && what === "body") {
    throw new AppError("VALIDATION_ERROR", "A JSON body is required (Content-Type: application/json).", [
      { path: "", message: "required" },
    ]);
  }
  const repeated = what === "query" ? repeatedParameters(value) : new Set<string>();
  const details: FieldProblem[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join(".");
    const message = repeated.has(path) ? "must be given once" : issue.message;
    if (!details.some((seen) => seen.path === path && seen.message === message)) details.push({ path, message });
  }
  throw new AppError("VALIDATION_ERROR", `The request ${what} is not valid: ${details.map((d) => (d.path ? `${d.path} ${d.message}` : d.message)).join("; ")}.`, details);
}

/**
 * Words for zod's own checks wherever a schema gave none (an enum shared with the answers, such
 * as a pre-order's status; a nested object), so that every 400 reads like the others:
 * `must be one of "placed", "paid", ...`, not zod's `Invalid option: expected one of "placed"|"paid"|...`.
 * A schema's own message still wins.
 */
const plainWords: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "invalid_value") {
    const values = issue.values.map((value) => JSON.stringify(value));
    return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(", ")}`;
  }
  if (issue.code === "invalid_type") return issue.input === undefined ? "is required" : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
  return undefined;
};

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  null: "null",
};

/**
 * A query parameter given twice (`?status=paid&status=sent`) reaches the schema as a list, which
 * each schema would refuse in words meant for a single bad value ("must be one of ..." for two
 * good ones): it is named for what it is instead.
 */
function repeatedParameters(query: unknown): Set<string> {
  if (query === null || typeof query !== "object") return new Set();
  return new Set(Object.entries(query).flatMap(([name, value]) => (Array.isArray(value) ? [name] : [])));
}

/** The `:id` path segment as a string in its canonical spelling (an unknown id simply matches nothing). */
export function pathId(params: Record<string, string | string[] | undefined>): string {
  const id = params.id;
  return typeof id === "string" ? canonicalId(id) : "";
}
