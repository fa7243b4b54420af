import type { DropStatus } from "../drops/drops.schemas.js";

/** What every stock-changing database function returns about the drop it changed. */
export interface StockRow {
  total_stock: number;
  held_stock: number;
  sold_stock: number;
  version: number;
  starts_at: Date;
  ends_at: Date | null;
  decided_at: Date;
  expired: ExpiredHoldJson[] | null;
}

/** A hold that a database function released because its deadline had passed. */
export interface ExpiredHoldJson {
  id: string;
  userId: string;
  quantity: number;
  createdAt: string;
  expiresAt: string;
}

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

export function stockLevels(row: StockRow): StockLevels {
  const availableStock = row.total_stock - row.held_stock - row.sold_stock;
  return {
    availableStock,
    heldStock: row.held_stock,
    soldStock: row.sold_stock,
    status: dropStatus({ startsAt: row.starts_at, endsAt: row.ends_at, availableStock }, row.decided_at),
    version: row.version,
  };
}
