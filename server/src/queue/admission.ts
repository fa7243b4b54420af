import pg from "pg";
import { reportConnectionLoss } from "../db/connection-loss.js";
import { logger } from "../log.js";
import type { Metrics } from "../observability/metrics.js";
import type { Notifier } from "../realtime/notifier.js";
import type { QueueState } from "./queue.schemas.js";
import { callQueueTick, drawPreQueue, listOpenLines, type TickRow } from "./queue.sql.js";

/** The session advisory lock of the one process that admits, in a class of its own. */
const LEADER_LOCK = [1146244945, 1] as const;
/** queueUpdated per drop: at most this often, and at once when the state changes. */
const UPDATE_EVERY_MS = 500;

interface LineMemory {
  credit: number;
  lastTickAt: number;
  lastSent?: { state: QueueState; length: number; admittedThrough: number; at: number };
}

export interface AdmissionOptions {
  /** A session connection (DIRECT_URL): the leader lock lives and dies with it. */
  url: string;
  tickMs: number;
  notifier: Notifier;
  metrics: Metrics;
}

/**
 * Lets people in, on exactly one process of all processes and instances: the
 * one holding a session advisory lock. Every process tries for the lock; the
 * holder runs the admission ticks on that same connection, so a leader whose
 * connection dies can issue nothing more, and another takes over within a
 * second. Each tick admits at most one small batch per line (admitPerSecond
 * times the tick), which keeps admission smooth and bounds any one-second
 * window to admitPerSecond plus one batch.
 */
export class AdmissionLeader {
  private client: pg.Client | undefined;
  private leading = false;
  private stopped = false;
  private shuttingDown = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly lines = new Map<string, LineMemory>();

  constructor(private readonly options: AdmissionOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** True while this process admits (tests, metrics). */
  isLeader(): boolean {
    return this.leading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    const client = this.client;
    this.client = undefined;
    this.leading = false;
    await client?.end().catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = performance.now();
      this.running = this.step()
        .catch((error: unknown) => this.lose(error))
        .finally(() => {
          this.running = undefined;
          const wait = this.leading ? this.options.tickMs - (performance.now() - started) : 1_000;
          this.schedule(Math.max(0, wait));
        });
    }, delayMs);
  }

  private async step(): Promise<void> {
    if (!this.leading) {
      await this.tryToLead();
      if (!this.leading) return;
    }
    await this.tick(this.client!);
  }

  private async tryToLead(): Promise<void> {
    if (!this.client) {
      const client = new pg.Client({ connectionString: this.options.url, application_name: "dropline-admission" });
      client.on("error", (error) => this.lose(error));
      await client.connect();
      this.client = client;
    }
    const { rows } = await this.client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::int, $2::int) AS locked", [...LEADER_LOCK]);
    this.leading = rows[0]?.locked === true;
    if (this.leading) {
      this.lines.clear();
      logger.info({ event: "queue.admission_leader" });
    }
  }

  /** The process is stopping: the database ending the leader's connection is expected from now on. */
  stopping(): void {
    this.shuttingDown = true;
  }

  private lose(error: unknown): void {
    if (this.stopped) return;
    reportConnectionLoss("queue.admission_failed", error instanceof Error ? error : new Error(String(error)), () => this.shuttingDown || this.stopped);
    const client = this.client;
    this.client = undefined;
    this.leading = false;
    // A fresh connection next time; ending this one releases the lock if it was still held.
    void client?.end().catch(() => undefined);
  }

  private async tick(client: pg.Client): Promise<void> {
    const now = performance.now();
    const open = await listOpenLines(client);
    for (const line of open) {
      if (line.due_for_draw) {
        const drawn = await drawPreQueue(client, line.drop_id);
        if (drawn !== undefined) logger.info({ event: "queue.drawn", dropId: line.drop_id, entries: drawn });
      }
      const memory = this.lines.get(line.drop_id) ?? { credit: 0, lastTickAt: now - this.options.tickMs };
      this.lines.set(line.drop_id, memory);
      // A token bucket no deeper than one tick's batch: a slow tick cannot be made up with a burst.
      const batch = Math.max(1, Math.ceil((line.admit_per_second * this.options.tickMs) / 1000));
      memory.credit = Math.min(batch, memory.credit + (line.admit_per_second * (now - memory.lastTickAt)) / 1000);
      memory.lastTickAt = now;
      const count = !memory.lastSent || now - memory.lastSent.at >= UPDATE_EVERY_MS;
      const row = await callQueueTick(client, line.drop_id, Math.floor(memory.credit), count);
      if (!row) continue;
      memory.credit -= row.admitted.length;
      this.announce(line.drop_id, line.admit_per_second, row, memory, now);
    }
    for (const dropId of this.lines.keys()) if (!open.some((line) => line.drop_id === dropId)) this.lines.delete(dropId);
  }

  private announce(dropId: string, admitPerSecond: number, row: TickRow, memory: LineMemory, now: number): void {
    for (const entry of row.admitted) this.options.notifier.queueAdmitted(entry.userId, { dropId, admittedUntil: new Date(entry.admittedUntil).toISOString() });
    if (row.admitted.length > 0) this.options.metrics.queueAdmitted.inc(row.admitted.length);
    const last = memory.lastSent;
    const stateChanged = last?.state !== row.state;
    const moved = last?.length !== row.length || last?.admittedThrough !== row.admitted_through;
    if (!stateChanged && !(moved && now - (last?.at ?? 0) >= UPDATE_EVERY_MS)) return;
    memory.lastSent = { state: row.state, length: row.length, admittedThrough: row.admitted_through, at: now };
    this.options.notifier.queueUpdated({ dropId, state: row.state, length: row.length, admittedThrough: row.admitted_through, admitPerSecond });
    if (stateChanged) logger.info({ event: "queue.state", dropId, state: row.state, length: row.length, admittedThrough: row.admitted_through });
  }
}
