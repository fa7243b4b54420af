import type { Db } from "../db/prisma.js";

/** A drop's counters beside the same figures recounted from its reservation and purchase rows. */
export interface RecountRow {
  id: string;
  name: string;
  total_stock: number;
  held_stock: number;
  sold_stock: number;
  active_units: number;
  lapsed_units: number;
  /** Units of pre-orders set aside and not given back: they count as sold. */
  preordered_units: number;
  purchased_units: number;
  completed_units: number;
  purchases_without_completed_hold: number;
}

export async function recountStock(db: Db): Promise<RecountRow[]> {
  return db.$queryRaw<RecountRow[]>`
    SELECT d.id::text, d.name, d.total_stock, d.held_stock, d.sold_stock,
           coalesce(a.units, 0)::int AS active_units, coalesce(a.lapsed, 0)::int AS lapsed_units,
           coalesce(p.units, 0)::int AS purchased_units, coalesce(c.units, 0)::int AS completed_units,
           coalesce(p.orphans, 0)::int AS purchases_without_completed_hold,
           coalesce(po.units, 0)::int AS preordered_units
    FROM drops d
    LEFT JOIN (SELECT drop_id, sum(quantity) AS units, sum(quantity) FILTER (WHERE expires_at <= now() AND (payment_until IS NULL OR payment_until <= now())) AS lapsed
               FROM reservations WHERE status = 'active' GROUP BY drop_id) a ON a.drop_id = d.id
    LEFT JOIN (SELECT pu.drop_id, sum(pu.quantity) AS units, count(*) FILTER (WHERE r.status IS DISTINCT FROM 'completed') AS orphans
               FROM purchases pu LEFT JOIN reservations r ON r.id = pu.reservation_id GROUP BY pu.drop_id) p ON p.drop_id = d.id
    LEFT JOIN (SELECT drop_id, sum(quantity) AS units FROM reservations WHERE status = 'completed' GROUP BY drop_id) c ON c.drop_id = d.id
    LEFT JOIN (SELECT drop_id, sum(quantity) AS units FROM preorders
               WHERE reserved_at IS NOT NULL AND units_released_at IS NULL GROUP BY drop_id) po ON po.drop_id = d.id
    ORDER BY d.created_at`;
}
