import type pg from "pg";
import { withTransaction } from "../db/transaction.js";
import { QUEUES, type JobEngine } from "../jobs/engine.js";
import { logger } from "../log.js";
import { lockUndispatched, markDispatched } from "./outbox.sql.js";
import { errorMessage } from "../errors.js";

/** Rows handed over per transaction: a backlog goes in several short transactions, not one long one. */
const BATCH = 100;

/**
 * The outbox relay. Messages are written by the change that causes them, in
 * its own transaction; this hands each one to the job engine as an
 * `outbox-deliver` job, in one transaction with marking it dispatched, so a
 * message gets exactly one job whatever crashes when. It runs in every
 * process (SKIP LOCKED keeps them apart); delivery and its retries are the
 * job engine's.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly jobs: JobEngine,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Runs a pass now (or right after the one under way) instead of at the next tick. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** One pass: hands over every undispatched message; resolves with how many. */
  async relayOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.relayBatch();
      total += count;
      if (count < BATCH || this.stopped) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = this.relayOnce()
      .then((count) => {
        if (count > 0) logger.debug({ event: "outbox.relayed", count });
      })
      .catch((error: unknown) => {
        // The rows stay undispatched and the next pass takes them: nothing is lost, only late.
        logger.warn({ event: "outbox.relay_failed", error: errorMessage(error) });
      })
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
    if (this.stopped) return;
    const soon = this.again;
    this.again = false;
    this.schedule(soon ? 0 : this.intervalMs);
  }

  private relayBatch(): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      const ids = await lockUndispatched(client, BATCH);
      if (ids.length > 0) {
        await this.jobs.sendInTransaction(
          client,
          ids.map((id) => ({ queue: QUEUES.outboxDeliver.name, data: { messageId: id } })),
        );
        await markDispatched(client, ids);
      }
      return ids.length;
    });
  }
}
