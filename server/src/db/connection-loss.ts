import { logger } from "../log.js";

/**
 * Logs a lost database connection: a warning, unless the process is
 * stopping. Ctrl-C signals the embedded database too, which may end our
 * connections (57P01, or "not queryable" for a query sent just after) a
 * moment before our own signal handler has run; so every loss is looked at
 * again once that handler had its turn, 200 ms later.
 */
export function reportConnectionLoss(event: string, error: Error, isStopping: () => boolean): void {
  if (isStopping()) return logger.debug({ event, error: error.message, stopping: true });
  setTimeout(() => {
    if (isStopping()) logger.debug({ event, error: error.message, stopping: true });
    else logger.warn({ event, error: error.message });
  }, 200).unref();
}
