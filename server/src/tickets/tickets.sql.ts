import type pg from "pg";
import type { Ticket } from "../purchases/purchases.schemas.js";

export interface TicketRow {
  id: string;
  code: string;
  status: Ticket["status"];
  user_id: string;
  drop_id: string;
  purchase_id: string;
  used_at: Date | null;
}

const columns = `t.id::text, t.code, t.status::text, t.user_id::text, t.drop_id::text, t.purchase_id::text, t.used_at`;

export async function findTicket(pool: pg.Pool, code: string): Promise<TicketRow | undefined> {
  const { rows } = await pool.query<TicketRow>(`SELECT ${columns} FROM tickets t WHERE t.code = $1`, [code]);
  return rows[0];
}

/** Valid -> used, once: a second check-in (any process, same instant) finds no valid ticket to update. */
export async function checkInTicket(pool: pg.Pool, code: string): Promise<TicketRow | undefined> {
  const { rows } = await pool.query<TicketRow>(
    `UPDATE tickets t SET status = 'used', used_at = clock_timestamp() WHERE t.code = $1 AND t.status = 'valid' RETURNING ${columns}`,
    [code],
  );
  return rows[0];
}
