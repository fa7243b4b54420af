import type { Db } from "../db/prisma.js";

export interface AuditProblem {
  dropId: string;
  name: string;
  check: string;
  counter: number;
  recount: number;
}

export interface AuditReport {
  ok: boolean;
  checkedAt: string;
  dropsChecked: number;
  /** Units in active holds whose deadline has passed but that no sweep has released yet (not a fault). */
  lapsedUnitsAwaitingSweep: number;
  problems: AuditProblem[];
}

interface Row {
  id: string;
  name: string;
  total_stock: number;
  held_stock: number;
  sold_stock: number;
  active_units: number;
  lapsed_units: number;
  purchased_units: number;
  completed_units: number;
  purchases_without_completed_hold: number;
}

/**
 * Recomputes every drop's held and sold units from the reservation and
 * purchase rows and compares them with the counters the hot path maintains.
 * Read-only: it reports, it does not "fix" counters by guessing.
 */
export async function auditStock(db: Db): Promise<AuditReport> {
  const rows = await db.$queryRaw<Row[]>`
    SELECT d.id::text, d.name, d.total_stock, d.held_stock, d.sold_stock,
           coalesce(a.units, 0)::int AS active_units, coalesce(a.lapsed, 0)::int AS lapsed_units,
           coalesce(p.units, 0)::int AS purchased_units, coalesce(c.units, 0)::int AS completed_units,
           coalesce(p.orphans, 0)::int AS purchases_without_completed_hold
    FROM drops d
    LEFT JOIN (SELECT drop_id, sum(quantity) AS units, sum(quantity) FILTER (WHERE expires_at <= now()) AS lapsed
               FROM reservations WHERE status = 'active' GROUP BY drop_id) a ON a.drop_id = d.id
    LEFT JOIN (SELECT pu.drop_id, sum(pu.quantity) AS units, count(*) FILTER (WHERE r.status IS DISTINCT FROM 'completed') AS orphans
               FROM purchases pu LEFT JOIN reservations r ON r.id = pu.reservation_id GROUP BY pu.drop_id) p ON p.drop_id = d.id
    LEFT JOIN (SELECT drop_id, sum(quantity) AS units FROM reservations WHERE status = 'completed' GROUP BY drop_id) c ON c.drop_id = d.id
    ORDER BY d.created_at`;
  const problems: AuditProblem[] = [];
  let lapsed = 0;
  for (const row of rows) {
    const problem = (check: string, counter: number, recount: number) => {
      if (counter !== recount) problems.push({ dropId: row.id, name: row.name, check, counter, recount });
    };
    problem("held_stock = units in active holds", row.held_stock, row.active_units);
    problem("sold_stock = units purchased", row.sold_stock, row.purchased_units);
    problem("units purchased = units in completed holds", row.purchased_units, row.completed_units);
    problem("purchases without a completed hold", 0, row.purchases_without_completed_hold);
    if (row.held_stock + row.sold_stock > row.total_stock) problem("held + sold <= total", row.total_stock, row.held_stock + row.sold_stock);
    lapsed += row.lapsed_units;
  }
  return { ok: problems.length === 0, checkedAt: new Date().toISOString(), dropsChecked: rows.length, lapsedUnitsAwaitingSweep: lapsed, problems };
}
