import { logger } from "../log.js";

/** admin_shutdown: the database ended the connection (a shutdown, or pg_terminate_backend). */
const ADMIN_SHUTDOWN = "57P01";

/**
 * Logs a lost database connection: a warning, unless the process is
 * stopping. Ctrl-C signals the embedded database too, which may end our
 * connections a moment before our own signal handler has run; a shutdown
 * notice is therefore looked at again once that handler had its turn.
 */
export function reportConnectionLoss(event: string, error: Error, isStopping: () => boolean): void {
  if (isStopping()) return logger.debug({ event, error: error.message, stopping: true });
  if ((error as { code?: string }).code !== ADMIN_SHUTDOWN) return logger.warn({ event, error: error.message });
  setTimeout(() => {
    if (!isStopping()) logger.warn({ event, error: error.message });
  }, 200).unref();
}
