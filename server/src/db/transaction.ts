import type pg from "pg";

/**
 * Runs `work` in one transaction on a client of `pool`: committed if it
 * returns, rolled back if it throws. A client that cannot even roll back is
 * not given back to the pool for the next caller.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}
