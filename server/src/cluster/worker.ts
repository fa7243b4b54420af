import { setupWorker } from "@socket.io/sticky";
import type { Config } from "../config.js";
import { logger } from "../log.js";
import { startServer, type RunningServer } from "../server.js";

/**
 * One of WEB_CONCURRENCY server processes: a whole Dropline server on the
 * database the primary prepared, without a port of its own (the primary
 * passes connections in). Its sweeper, sold-out cache and sockets are its
 * own; the adapter and PostgreSQL make the processes one server.
 */
export async function runWorker(config: Config): Promise<RunningServer> {
  const server = await startServer(config, { skipMigrations: true, listen: false });
  setupWorker(server.realtime.io);
  logger.info({ event: "cluster.worker_ready", pid: process.pid });
  process.send?.("dropline:ready");
  return server;
}
