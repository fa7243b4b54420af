import type { Db } from "../db/prisma.js";
import { logger } from "../log.js";
import { findSoldOutFacts } from "./sold-out-cache.sql.js";
import { availableStock, type StockRow } from "./stock.js";
import { errorMessage } from "../errors.js";

interface Entry {
  version: number;
  startsAt: number;
  endsAt: number | null;
  /** Shoppers who hold or bought units of this drop: the database must answer them (EXISTING, LIMIT_EXCEEDED). */
  exempt: Set<string> | null;
  /** Joined the drop while the exempt list was loading. */
  joined: Set<string>;
  /** Server-clock ms until which "sold out" is believed; 0 until loaded. */
  trustUntil: number;
  /** A larger request is the database's to refuse (LIMIT_EXCEEDED comes before OUT_OF_STOCK). */
  maxPerUser: number;
}

/** What another process says of a stock change (the bus's message; structurally, realtime's BatchedStockChange). */
export interface RemoteStockChange {
  update: { dropId: string; availableStock: number; version: number };
  startsAt: string;
  endsAt: string | null;
  shopperIds: string[];
  edited?: boolean;
}

export interface SoldOutObservation {
  dropId: string;
  availableStock: number;
  version: number;
  startsAt: Date;
  endsAt: Date | null;
  /** The shopper whose hold or purchase this change was, if any. */
  shopperId?: string;
}

/**
 * Answers OUT_OF_STOCK for a live drop known to be sold out, without the
 * database. The database stays the only authority that grants a hold: this
 * can only refuse, and only while nothing can have freed a unit:
 * - every stock change this instance commits or hears of updates it at once;
 * - it is believed until the earliest deadline among the drop's active holds
 *   (a lapsed hold frees units without any event), and
 * - for at most `ttlMs` (one sweep tick), which bounds how long a change made
 *   by another server instance can go unseen.
 */
export class SoldOutCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  refuses(dropId: string, shopperId: string, quantity: number): boolean {
    const entry = this.entries.get(dropId);
    if (!entry?.exempt || quantity > entry.maxPerUser) return false;
    const now = this.now();
    if (now >= entry.trustUntil || now < entry.startsAt || (entry.endsAt !== null && now >= entry.endsAt)) return false;
    return !entry.exempt.has(shopperId) && !entry.joined.has(shopperId);
  }

  observe(change: SoldOutObservation): void {
    const entry = this.entries.get(change.dropId);
    if (entry && change.version < entry.version) return;
    if (change.availableStock > 0) {
      this.entries.delete(change.dropId);
      return;
    }
    if (entry) {
      // An admin edit can move the start or the end without freeing a unit.
      entry.startsAt = change.startsAt.getTime();
      entry.endsAt = change.endsAt?.getTime() ?? null;
    }
    if (entry && entry.exempt && this.now() < entry.trustUntil) {
      entry.version = change.version;
      if (change.shopperId) entry.exempt.add(change.shopperId);
      return;
    }
    if (entry && !entry.exempt) {
      // Still loading: remember newcomers, the load may not see them.
      entry.version = change.version;
      if (change.shopperId) entry.joined.add(change.shopperId);
      return;
    }
    const fresh: Entry = {
      version: change.version,
      startsAt: change.startsAt.getTime(),
      endsAt: change.endsAt?.getTime() ?? null,
      exempt: null,
      joined: new Set(change.shopperId ? [change.shopperId] : []),
      trustUntil: 0,
      maxPerUser: 0,
    };
    this.entries.set(change.dropId, fresh);
    void this.load(change.dropId, fresh);
  }

  /** Feeds what a stock function just said about a drop to the fast path. */
  noteStock(dropId: string, row: StockRow, shopperId?: string): void {
    this.observe({
      dropId,
      availableStock: availableStock(row),
      version: row.version,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      shopperId,
    });
  }

  /**
   * A change another server process made (through the adapter's bus): the same
   * as one made here, so the fast path never refuses on a state this process
   * alone has not seen. Every shopper it involved becomes exempt here too.
   */
  observeRemote(change: RemoteStockChange): void {
    if (change.edited) this.forget(change.update.dropId);
    const base = {
      dropId: change.update.dropId,
      availableStock: change.update.availableStock,
      version: change.update.version,
      startsAt: new Date(change.startsAt),
      endsAt: change.endsAt === null ? null : new Date(change.endsAt),
    };
    if (change.shopperIds.length === 0) this.observe(base);
    for (const shopperId of change.shopperIds) this.observe({ ...base, shopperId });
  }

  /** After an admin edit (limits, times): the next request asks the database again. */
  forget(dropId: string): void {
    this.entries.delete(dropId);
  }

  private async load(dropId: string, entry: Entry): Promise<void> {
    const loadedAt = this.now();
    try {
      const row = await findSoldOutFacts(this.db, dropId);
      if (this.entries.get(dropId) !== entry) return; // a newer change replaced it meanwhile
      entry.maxPerUser = row?.max_per_user ?? 0;
      entry.exempt = new Set(row?.shoppers ?? []);
      const deadline = row?.next_deadline?.getTime() ?? Infinity;
      entry.trustUntil = Math.min(deadline, loadedAt + this.ttlMs);
    } catch (error) {
      if (this.entries.get(dropId) === entry) this.entries.delete(dropId);
      logger.warn({ event: "sold_out_cache.load_failed", dropId, error: errorMessage(error) });
    }
  }
}
