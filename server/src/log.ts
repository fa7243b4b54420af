import pino from "pino";

/**
 * Structured logs: one JSON line per event, with the ids that matter
 * (drop, reservation, request). Secrets never go in: the admin token and
 * shopper tokens are not logged anywhere.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  serializers: { error: pino.stdSerializers.err },
});

export type Level = "debug" | "info" | "warn" | "error" | "silent";

export function setLogLevel(level: Level): void {
  logger.level = level;
}
