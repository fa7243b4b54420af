import pg from "pg";
import { logger } from "../log.js";

/**
 * The adapter's own small pool on DIRECT_URL: one connection LISTENs for the
 * other processes' messages, the other sends NOTIFYs. The bus is lossy: while
 * the LISTEN connection is down (a database restart, a network blip), what
 * other processes sent is gone. So when any of its connections ends, the next
 * fresh connection calls `onReconnect`, for the process to re-announce the
 * current state of live drops to its own sockets (browsers ignore versions
 * they already have).
 */
export interface BusPool {
  pool: pg.Pool;
  /** The process is stopping: connections ended from now on are expected, not worth a warning. */
  stopping(): void;
  isStopping(): boolean;
}

export function createBusPool(url: string, onReconnect: () => void): BusPool {
  // Two connections: the adapter's LISTEN holds one, and every NOTIFY queues on the other, so
  // batches leave, and arrive, in the order they were sent. Idle connections are kept: one
  // timing out would look like a lost bus.
  const pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0, application_name: "dropline-bus" });
  let lost = false;
  let closing = false;
  const warn = (event: string, error: Error) => (closing ? logger.debug({ event, error: error.message }) : logger.warn({ event, error: error.message }));
  pool.on("connect", (client) => {
    // The LISTEN client is checked out for good, so the pool's own error handler never covers it.
    client.on("error", (error) => warn("io.bus_connection_error", error));
    client.on("end", () => {
      if (!closing) lost = true;
      // The adapter drops a LISTEN client that ended without giving it back, and pool.end()
      // would then wait for it forever: give it back, as broken, on the adapter's behalf.
      const lease = client as pg.PoolClient & { release?: (error?: Error | boolean) => void };
      try {
        lease.release?.(true);
      } catch {
        // Not checked out (an idle client): the pool already let it go.
      }
    });
    if (lost) {
      lost = false;
      // Give the adapter a moment to LISTEN again before reading the state it may have missed.
      setTimeout(onReconnect, 500).unref();
    }
  });
  pool.on("error", (error) => warn("io.bus_pool_error", error));
  const end = pool.end.bind(pool);
  pool.end = (() => {
    closing = true;
    return end();
  }) as typeof pool.end;
  return {
    pool,
    stopping: () => {
      closing = true;
    },
    isStopping: () => closing,
  };
}
