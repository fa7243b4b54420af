import { z } from "zod";

export const dropStatusSchema = z.enum(["upcoming", "live", "sold_out", "ended"]);
export type DropStatus = z.infer<typeof dropStatusSchema>;

/** A drop's unit counters, as every query and stock function names them. */
export interface StockCounters {
  total_stock: number;
  held_stock: number;
  sold_stock: number;
}

/** What every stock-changing database function returns about the drop it changed. */
export interface StockRow extends StockCounters {
  version: number;
  starts_at: Date;
  ends_at: Date | null;
  decided_at: Date;
  /** Every function sets it ('[]' when nothing lapsed) once it has found the drop. */
  expired: ExpiredHoldJson[];
}

/** A hold that a database function released because its deadline had passed. */
export interface ExpiredHoldJson {
  id: string;
  userId: string;
  quantity: number;
  unitPrice: string;
  createdAt: string;
  expiresAt: string;
}

/** Units no one holds or has bought: the one place this is worked out. */
export const availableStock = (counters: StockCounters) => counters.total_stock - counters.held_stock - counters.sold_stock;

export function dropStatus(drop: { startsAt: Date; endsAt: Date | null; availableStock: number }, now: Date): DropStatus {
  if (now < drop.startsAt) return "upcoming";
  if (drop.endsAt && now >= drop.endsAt) return "ended";
  return drop.availableStock > 0 ? "live" : "sold_out";
}

export interface StockLevels {
  availableStock: number;
  heldStock: number;
  soldStock: number;
  status: DropStatus;
  version: number;
}

export function stockLevels(row: Omit<StockRow, "expired">): StockLevels {
  const available = availableStock(row);
  return {
    availableStock: available,
    heldStock: row.held_stock,
    soldStock: row.sold_stock,
    status: dropStatus({ startsAt: row.starts_at, endsAt: row.ends_at, availableStock: available }, row.decided_at),
    version: row.version,
  };
}
