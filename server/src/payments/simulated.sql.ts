import type pg from "pg";
import { onlyRow } from "../db/prisma.js";

export interface ChargeRow {
  id: string;
  status: "pending" | "approved" | "declined" | "refunded";
  decline_reason: string | null;
  attempts: number;
}

/**
 * Records a call under its idempotency key in one statement: the first call
 * decides (`status`, `reason`), later calls get the same answer, except that a
 * pending charge is approved from the call `approveOnAttempt` on (sim_flaky).
 */
export async function recordCharge(
  pool: pg.Pool,
  call: { key: string; amount: string; method: string; status: ChargeRow["status"]; reason: string | null; approveOnAttempt: number },
): Promise<ChargeRow> {
  const { rows } = await pool.query<ChargeRow>(
    `INSERT INTO simulated_charges (idempotency_key, amount, method, status, decline_reason)
     VALUES ($1, $2::numeric, $3, $4, $5)
     ON CONFLICT (idempotency_key) DO UPDATE SET
       attempts = simulated_charges.attempts + 1,
       updated_at = clock_timestamp(),
       status = CASE WHEN simulated_charges.status = 'pending' AND simulated_charges.attempts + 1 >= $6::int
                     THEN 'approved' ELSE simulated_charges.status END
     RETURNING id::text, status, decline_reason, attempts`,
    [call.key, call.amount, call.method, call.status, call.reason, call.approveOnAttempt],
  );
  return onlyRow(rows);
}

/** Refunds an approved charge; a second refund of the same charge changes nothing. */
export async function refundCharge(pool: pg.Pool, chargeId: string): Promise<void> {
  await pool.query(
    `UPDATE simulated_charges SET status = 'refunded', refunded_at = clock_timestamp(), updated_at = clock_timestamp()
     WHERE id = $1::uuid AND status = 'approved'`,
    [chargeId],
  );
}

export async function findCharge(pool: pg.Pool, chargeId: string): Promise<ChargeRow | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(chargeId)) return undefined;
  const { rows } = await pool.query<ChargeRow>(`SELECT id::text, status, decline_reason, attempts FROM simulated_charges WHERE id = $1::uuid`, [chargeId]);
  return rows[0];
}
