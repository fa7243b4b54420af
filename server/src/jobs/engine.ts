import PgBoss from "pg-boss";
import type pg from "pg";
import { reportConnectionLoss } from "../db/connection-loss.js";
import { logger } from "../log.js";
import { errorMessage } from "../errors.js";

/** pg-boss keeps its tables in this schema, beside ours. */
const SCHEMA = "pgboss";

/**
 * The queues of durable background work, each with its retry policy. A job is
 * retried with exponential backoff when its handler throws; handlers are
 * written to be run again safely (every step they take is idempotent). A job
 * whose process died while running it is taken up again once expireInSeconds
 * have passed (pg-boss's default, 15 minutes, is far longer than any of ours
 * runs) and the next maintenance round has noticed.
 */
export const QUEUES = {
  /** Finishes (or compensates) a checkout whose request ended before its payment: 202, a crash, a lost provider. */
  checkoutResume: { name: "checkout-resume", retryLimit: 20, retryDelay: 1, retryBackoff: true, expireInSeconds: 30 },
  /** Delivers one outbox message (email or SMS). */
  outboxDeliver: { name: "outbox-deliver", retryLimit: 6, retryDelay: 1, retryBackoff: true, expireInSeconds: 30 },
  /** A pre-order's timers (release, deadline, reminders) and its crash recovery: jobs with a start time, for months if need be. */
  preorderTimer: { name: "preorder-timer", retryLimit: 20, retryDelay: 1, retryBackoff: true, expireInSeconds: 30 },
  /** Undoes a cancelled or timed-out pre-order in reverse order (units, then payment), until every step is done. */
  preorderCompensate: { name: "preorder-compensate", retryLimit: 50, retryDelay: 2, retryBackoff: true, expireInSeconds: 30 },
} as const satisfies Record<string, PgBoss.Queue>;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES]["name"];

export interface JobEngineOptions {
  /** How often an idle worker asks for work (pg-boss's smallest is 0.5 s). */
  pollingSeconds?: number;
}

/**
 * Durable background work on PostgreSQL through pg-boss: no other service to
 * run, and a job can be queued inside the transaction of the change that
 * causes it, so the two commit together or not at all.
 */
export class JobEngine {
  private readonly boss: PgBoss;
  private readonly pollingSeconds: number;
  private started = false;
  private shuttingDown = false;

  constructor(url: string, options: JobEngineOptions = {}) {
    this.pollingSeconds = options.pollingSeconds ?? 0.5;
    this.boss = new PgBoss({
      connectionString: url,
      schema: SCHEMA,
      max: 4,
      application_name: "dropline-jobs",
      // The schema is installed with the migrations (installJobEngine), once per deploy.
      migrate: false,
      // No cron schedules: long timers are jobs with a start time.
      schedule: false,
      supervise: true,
      // Maintenance notices jobs whose process died mid-run; every 2 minutes (the default) is slow for a checkout.
      maintenanceIntervalSeconds: 15,
    });
    this.boss.on("error", (error: Error) => this.onError(error));
  }

  /** The process is stopping: the database ending pg-boss's connections is expected from now on. */
  stopping(): void {
    this.shuttingDown = true;
  }

  private onError(error: Error): void {
    reportConnectionLoss("jobs.error", error, () => this.shuttingDown);
  }

  async start(): Promise<void> {
    await this.boss.start();
    this.started = true;
  }

  /**
   * Runs `handler` for each job of `queue`, `concurrency` at a time in this process.
   * pg-boss waits out its polling interval after every fetch; after a full batch
   * there is probably more, so the worker is told to fetch again at once
   * (measured: otherwise a backlog drains at 4 jobs per 0.5 s per process).
   */
  async work<T extends object>(queue: QueueName, handler: (data: T, job: { id: string; retryCount: number }) => Promise<void>, concurrency = 4): Promise<void> {
    // Read by the handler, which first runs once a fetch has returned jobs: after work() has resolved.
    const workerId: string = await this.boss.work<T>(queue, { batchSize: concurrency, pollingIntervalSeconds: this.pollingSeconds, includeMetadata: true }, async (jobs) => {
      // A batch's jobs run together; one failing fails only itself.
      const results = await Promise.allSettled(jobs.map((job) => handler(job.data, { id: job.id, retryCount: job.retryCount })));
      const completed = jobs.filter((_, i) => results[i]!.status === "fulfilled");
      if (completed.length > 0) await this.boss.complete(queue, completed.map((job) => job.id));
      for (const [i, job] of jobs.entries()) {
        const result = results[i]!;
        if (result.status === "rejected") {
          const error = errorMessage(result.reason);
          logger.warn({ event: "jobs.failed", queue, jobId: job.id, retryCount: job.retryCount, error });
          await this.boss.fail(queue, job.id, { error });
        }
      }
      if (jobs.length === concurrency) this.boss.notifyWorker(workerId);
      // pg-boss then completes the batch, which touches only jobs still active: none are left.
    });
  }

  /** Queues a job now, outside any transaction of ours. */
  async send(queue: QueueName, data: object, options: { startAfter?: Date; singletonKey?: string } = {}): Promise<void> {
    await this.boss.send(queue, data, { ...options });
  }

  /** Queues jobs inside the caller's open transaction: they exist if and only if it commits. */
  async sendInTransaction(client: pg.ClientBase, jobs: { queue: QueueName; data: object; startAfter?: Date }[]): Promise<void> {
    if (jobs.length === 0) return;
    const policy = (name: QueueName) => Object.values(QUEUES).find((queue) => queue.name === name)!;
    await this.boss.insert(
      jobs.map((job) => {
        const { retryLimit, retryDelay, retryBackoff } = policy(job.queue);
        return { name: job.queue, data: job.data, startAfter: job.startAfter, retryLimit, retryDelay, retryBackoff };
      }),
      { db: { executeSql: (text, values) => client.query(text, values) } },
    );
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    // Jobs still running are left to finish for a moment; any that do not are picked up again elsewhere.
    await this.boss.stop({ graceful: true, wait: true, timeout: 5_000, close: true });
  }
}

/** Installs (or upgrades) pg-boss's schema and our queues; run with the migrations. */
export async function installJobEngine(url: string): Promise<void> {
  const boss = new PgBoss({ connectionString: url, schema: SCHEMA, max: 2, migrate: true, schedule: false, supervise: false });
  boss.on("error", (error: Error) => logger.warn({ event: "jobs.error", error: error.message }));
  await boss.start();
  try {
    for (const queue of Object.values(QUEUES)) {
      if (await boss.getQueue(queue.name)) await boss.updateQueue(queue.name, queue);
      else await boss.createQueue(queue.name, queue);
    }
  } finally {
    await boss.stop({ graceful: false, wait: true, close: true });
  }
}
