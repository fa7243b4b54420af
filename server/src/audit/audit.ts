import type { Db } from "../db/prisma.js";
import { recountStock } from "./audit.sql.js";

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

/**
 * Recomputes every drop's held and sold units from the reservation and
 * purchase rows and compares them with the counters the hot path maintains.
 * Read-only: it reports, it does not "fix" counters by guessing.
 */
export async function auditStock(db: Db): Promise<AuditReport> {
  const rows = await recountStock(db);
  const problems: AuditProblem[] = [];
  let lapsed = 0;
  for (const row of rows) {
    const problem = (check: string, counter: number, recount: number) => {
      if (counter !== recount) problems.push({ dropId: row.id, name: row.name, check, counter, recount });
    };
    problem("held_stock = units in active holds", row.held_stock, row.active_units);
    problem("sold_stock = units purchased + units pre-ordered", row.sold_stock, row.purchased_units + row.preordered_units);
    problem("units purchased = units in completed holds", row.purchased_units, row.completed_units);
    problem("purchases without a completed hold", 0, row.purchases_without_completed_hold);
    if (row.held_stock + row.sold_stock > row.total_stock) problem("held + sold <= total", row.total_stock, row.held_stock + row.sold_stock);
    lapsed += row.lapsed_units;
  }
  return { ok: problems.length === 0, checkedAt: new Date().toISOString(), dropsChecked: rows.length, lapsedUnitsAwaitingSweep: lapsed, problems };
}
