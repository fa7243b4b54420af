import { createServer, type Server as HttpServer } from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { ServerClock } from "./clock.js";
import { readDatabaseClock } from "./clock.sql.js";
import type { Config } from "./config.js";
import type { Services } from "./context.js";
import { resolveSecrets, type Secrets } from "./auth/secrets.js";
import { repoRoot } from "./db/migrate.js";
import { prepareDatabase } from "./db/prepare.js";
import { connectDatabase, type Database } from "./db/prisma.js";
import { expireDueHolds, startSweeper, type Sweeper } from "./expiry/sweeper.js";
import { auditStock } from "./audit/audit.js";
import { createApp } from "./http/app.js";
import { FastAnswers } from "./http/fast-answers.js";
import { closeSilentConnections, httpServerOptions } from "./http/connection-limits.js";
import { ReadinessProbe } from "./health/readiness.js";
import { pingDatabase } from "./health/readiness.sql.js";
import { OwnerLock } from "./idempotency/owner-lock.js";
import { logger } from "./log.js";
import { JobEngine } from "./jobs/engine.js";
import { registerCheckoutJobs } from "./checkout/checkout.jobs.js";
import { registerPreorderJobs } from "./preorders/preorders.jobs.js";
import { startNotifications } from "./notifications/notifications.js";
import type { PaymentGateway } from "./payments/gateway.js";
import { SimulatedPaymentProvider } from "./payments/simulated.js";
import { StripePaymentProvider } from "./payments/stripe.js";
import { announceLiveDrops } from "./realtime/announce.js";
import { checkListenWorks } from "./realtime/bus-check.js";
import { createBusPool } from "./realtime/bus-pool.js";
import { attachRealtime, type Realtime } from "./realtime/io.js";
import { Metrics } from "./observability/metrics.js";
import { AdmissionLeader } from "./queue/admission.js";
import { ClosedLines } from "./queue/closed-lines.js";
import { seedDemoDrops } from "./seed/demo.js";
import { DropGate } from "./stock/drop-gate.js";
import { SoldOutCache } from "./stock/sold-out-cache.js";

export interface StartOptions {
  /** Skip `prisma migrate deploy` (tests clone an already migrated template database). */
  skipMigrations?: boolean;
  payments?: PaymentGateway;
  /** Test hook: start without the expiry interval, to drive it by hand. */
  sweeper?: boolean;
  /** false in a cluster worker: the primary owns the port and passes connections on. */
  listen?: boolean;
  /** Test hook: never try to become the waiting rooms' admission leader. */
  admission?: boolean;
  /** Test hook: run no background jobs in this process (they wait in the database for another). */
  jobWorkers?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  config: Config;
  secrets: Secrets;
  services: Services;
  database: Database;
  httpServer: HttpServer;
  realtime: Realtime;
  /** The answers given before Express (their count is a test hook). */
  fastAnswers: FastAnswers;
  /** Lets waiting-room lines in, while this process holds the leader lock. */
  admission?: AdmissionLeader;
  /** The process is stopping (a signal): connections the database ends from now on are expected. */
  stopping(): void;
  close(): Promise<void>;
}

/** config -> database -> migrations -> app -> sockets -> sweeper -> listen, and the reverse on close. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const secrets = await resolveSecrets(config);
  const { url: databaseUrl, embedded } = await prepareDatabase(config, { migrate: !options.skipMigrations });
  const database = connectDatabase(databaseUrl, config.dbPoolSize);
  const payments =
    options.payments ??
    (config.payments.stripe ? new StripePaymentProvider(config.payments.stripe) : new SimulatedPaymentProvider(database.pool, config.payments.declineRate, config.payments.simulatedSlowMs));
  if (config.seedDemo) await seedDemoDrops(database.prisma);

  // The request listener must exist before Socket.IO attaches: engine.io then forwards only
  // non-Socket.IO requests to it. Added afterwards, Express would also answer /socket.io/
  // polling requests, and the second answer throws ERR_HTTP_HEADERS_SENT, killing the process.
  let app: ReturnType<typeof createApp> | undefined;
  let fast: FastAnswers | undefined;
  // Slow, silent and idle connections are closed (connection-limits.ts); WebSockets and long polls are engine.io's to keep.
  const httpServer = createServer(httpServerOptions(config.http), (req, res) => fast!.handle(req, res, () => void app!(req, res)));
  if (options.listen !== false) closeSilentConnections(httpServer, config.http.firstRequestTimeoutMs);
  const clock = new ServerClock();
  const closedLines = new ClosedLines();
  const soldOut = new SoldOutCache(database.prisma, () => clock.now().getTime(), config.expirySweepMs);
  // Session connections (LISTEN, the owner lock) must not go through a transaction pooler.
  const directUrl = config.directUrl ?? databaseUrl;
  const bus = config.socketAdapter === "postgres" ? createBusPool(directUrl, () => void announceLiveDrops(database, realtime, soldOut)) : undefined;
  const realtime = attachRealtime(httpServer, {
    secrets,
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    connectionsPerIp: config.rateLimits.enabled ? config.rateLimits.socketConnectionsPerIp : undefined,
    adapterPool: bus?.pool,
    quiet: bus?.isStopping,
    fanoutWritesPerSec: config.fanoutWritesPerSec,
    onRemoteStock: (change) => {
      soldOut.observeRemote(change);
      // An admin edit elsewhere may have turned this drop's waiting room off and on again.
      if (change.edited) closedLines.forget(change.update.dropId);
    },
  });
  // Several processes rely on LISTEN over DIRECT_URL: a pooler in transaction mode would break it without a word.
  if (bus) void checkListenWorks(directUrl);
  const ownerLock = new OwnerLock(directUrl);
  await ownerLock.start();
  const jobs = new JobEngine(directUrl);
  await jobs.start();
  const services: Services = {
    db: database.prisma,
    pool: database.pool,
    notifier: realtime.notifier,
    payments,
    clock,
    soldOut,
    gate: new DropGate(config.holdConcurrencyPerDrop),
    lineGate: new DropGate(config.holdConcurrencyPerDrop),
    closedLines,
    metrics: new Metrics({ pool: database.pool, openSockets: () => realtime.io.engine.clientsCount }),
    ownerLock,
    jobs,
    config,
  };
  // The crowd's refusals known from memory are answered before Express (fast-answers.ts).
  fast = new FastAnswers(config, services, secrets);
  const readiness = new ReadinessProbe(() => isDatabaseReady(database));
  app = createApp({
    config,
    services,
    secrets,
    isReady: () => readiness.ready(),
    clientDir: config.serveClient ? path.join(repoRoot, "client", "dist") : undefined,
  });
  await repairAfterCrash(database, services);
  const sweeper: Sweeper | undefined = options.sweeper === false ? undefined : startSweeper(database.prisma, services, config.expirySweepMs);
  const admission =
    options.admission === false
      ? undefined
      : new AdmissionLeader({ url: directUrl, tickMs: config.queueTickMs, notifier: realtime.notifier, metrics: services.metrics });
  admission?.start();
  if (options.jobWorkers !== false) {
    await registerCheckoutJobs(services);
    await registerPreorderJobs(services);
  }
  // The relay runs in every process; deliveries only where background jobs do.
  const notifications = await startNotifications(services, config.notifications, {
    worker: options.jobWorkers !== false,
    production: config.env === "production",
  });

  const inFlight = trackRequests(httpServer);
  // A cluster worker listens on nothing: the primary hands it connections (@socket.io/sticky).
  if (options.listen !== false) {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
  }
  const port = options.listen === false ? config.port : (httpServer.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    secrets,
    services,
    database,
    httpServer,
    realtime,
    fastAnswers: fast,
    admission,
    stopping() {
      database.stopping();
      jobs.stopping();
      admission?.stopping();
      bus?.stopping();
    },
    close() {
      closing ??= (async () => {
        // Stop taking new connections; in-flight requests finish, idle keep-alives go now.
        // (A cluster worker's server never listened: its close() returns at once, so it waits for its requests.)
        const drained = new Promise<void>((resolve) => httpServer.close(() => resolve())).then(() => inFlight.idle());
        httpServer.closeIdleConnections();
        await sweeper?.stop();
        await admission?.stop();
        await realtime.close();
        await bus?.pool.end().catch(() => undefined);
        const grace = setTimeout(() => httpServer.closeAllConnections(), 5_000);
        await drained;
        clearTimeout(grace);
        await notifications.stop();
        await jobs.stop();
        notifications.closeTransports();
        await ownerLock.stop();
        await database.close();
        await embedded?.stop();
      })();
      return closing;
    },
  };
}

/**
 * Before serving: release every hold that lapsed while no server was running
 * (a crash, a deploy), and say loudly if any counter disagrees with its rows.
 * Transactions keep counters and rows together, so the audit is a tripwire.
 */
async function repairAfterCrash(database: Database, services: Services): Promise<void> {
  // A few quick readings of the database clock, so serverTime is right from the first answer.
  for (let i = 0; i < 5; i++) {
    const sentAt = Date.now();
    services.clock.observe(await readDatabaseClock(database.prisma), sentAt, Date.now());
  }
  let released = 0;
  for (let round = 0; round < 100; round++) {
    const expired = await expireDueHolds(database.prisma, services);
    released += expired;
    if (expired === 0) break;
  }
  if (released > 0) logger.info({ event: "startup.released_lapsed_holds", count: released });
  const report = await auditStock(database.prisma);
  if (!report.ok) logger.error({ event: "startup.audit_mismatch", problems: report.problems });
}

async function isDatabaseReady(database: Database): Promise<boolean> {
  try {
    await Promise.race([
      pingDatabase(database.pool),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2_000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** Counts requests still being answered, so a shutdown can wait for them whether or not the server listened itself. */
function trackRequests(httpServer: HttpServer): { idle(): Promise<void> } {
  let active = 0;
  let waiting: (() => void) | undefined;
  httpServer.on("request", (_req, res) => {
    active++;
    res.once("close", () => {
      active--;
      if (active === 0) waiting?.();
    });
  });
  return {
    idle: () => (active === 0 ? Promise.resolve() : new Promise<void>((resolve) => (waiting = resolve))),
  };
}
