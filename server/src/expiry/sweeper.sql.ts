import type { Db } from "../db/prisma.js";
import type { StockRow } from "../stock/stock.js";

/** A drop whose lapsed holds were released, or the one row that only carries the database clock. */
export type SweepRow = ({ drop_id: string } & StockRow) | { drop_id: null; decided_at: Date };

/** Releases the lapsed holds of up to `maxDrops` drops; the database clock rides along in the same round trip. */
export async function callExpireDueHolds(db: Db, maxDrops: number): Promise<SweepRow[]> {
  return db.$queryRaw<SweepRow[]>`
    SELECT drop_id::text, total_stock, held_stock, sold_stock, version, starts_at, ends_at, decided_at, expired
    FROM dropline_expire_due_holds(${maxDrops}::int)
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, clock_timestamp(), NULL`;
}
