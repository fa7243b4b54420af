import type { z } from "zod";
import { AppError } from "../errors.js";
import { canonicalId } from "../values/ids.js";

export interface FieldProblem {
  path: string;
  message: string;
}

/** Parses input against a zod schema; a mismatch is a 400 naming each bad field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what = "body"): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  if (value === undefined && what === "body") {
    throw new AppError("VALIDATION_ERROR", "A JSON body is required (Content-Type: application/json).", [
      { path: "", message: "required" },
    ]);
  }
  const details: FieldProblem[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
  throw new AppError("VALIDATION_ERROR", `The request ${what} is not valid: ${details.map((d) => (d.path ? `${d.path} ${d.message}` : d.message)).join("; ")}.`, details);
}

/** The `:id` path segment as a string in its canonical spelling (an unknown id simply matches nothing). */
export function pathId(params: Record<string, string | string[] | undefined>): string {
  const id = params.id;
  return typeof id === "string" ? canonicalId(id) : "";
}
