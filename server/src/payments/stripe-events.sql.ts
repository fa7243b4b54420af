import type pg from "pg";

/** Claims a webhook event for this delivery; false when it was applied before (Stripe delivers at least once). */
export async function claimStripeEvent(pool: pg.Pool, eventId: string, type: string): Promise<boolean> {
  const { rowCount } = await pool.query(`INSERT INTO stripe_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [eventId, type]);
  return rowCount === 1;
}

/** Gives a claim back after applying the event failed, so Stripe's next delivery applies it. */
export async function releaseStripeEvent(pool: pg.Pool, eventId: string): Promise<void> {
  await pool.query(`DELETE FROM stripe_events WHERE id = $1`, [eventId]);
}
