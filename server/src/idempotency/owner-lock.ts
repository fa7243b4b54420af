import { randomInt } from "node:crypto";
import pg from "pg";
import { logger } from "../log.js";
import { takeOwnerLock } from "./idempotency.sql.js";
import { errorMessage } from "../errors.js";

/**
 * A session advisory lock this process holds for as long as it lives, on its
 * own connection. A claim made by the process records the lock's key; when
 * the process dies, its connection closes and PostgreSQL drops the lock, so
 * anyone can see at once that the claim has no owner any more.
 *
 * It needs a session connection: through a transaction-mode pooler the lock
 * would stay with a pooled server connection after the process died. Hence
 * DIRECT_URL, as for migrations.
 */
export class OwnerLock {
  /** Positive, so it reads the same as a signed int column and an unsigned pg_locks.objid. */
  readonly key = randomInt(1, 2 ** 31 - 1);
  private client: pg.Client | undefined;
  private held = false;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly url: string) {}

  /** The key to record on a claim, or null while the lock is not held (claims then age out instead). */
  current(): number | null {
    return this.held ? this.key : null;
  }

  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      logger.warn({ event: "idempotency.owner_lock_failed", error: errorMessage(error) });
      this.scheduleRetry();
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "dropline-owner" });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    await client.connect();
    if (this.stopped) {
      await client.end();
      return;
    }
    await takeOwnerLock(client, this.key);
    this.client = client;
    this.held = true;
  }

  private lost(client: pg.Client): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.held = false;
    if (!this.stopped) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, 1_000);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.held = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
