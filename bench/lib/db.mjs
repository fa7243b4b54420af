// Direct database access for preparation (shoppers, drops, history rows) and
// for the stock invariant check. Never used inside a timed section except by
// the reference scenario.
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";

export function openDb(url, max = 4) {
  const pool = new pg.Pool({ connectionString: url, max, application_name: "dropline-bench" });
  pool.on("error", () => undefined);
  return pool;
}

/**
 * Shoppers inserted straight into `users`, with tokens signed by the server's
 * own signShopperToken and the run's SESSION_SECRET: 50,000 sessions in about
 * a second instead of 50,000 POST /api/sessions. Grows on demand.
 */
export async function createShopperPool(root, db, sessionSecret) {
  const { signShopperToken } = await import(pathToFileURL(path.join(root, "server/dist/auth/tokens.js")).href);
  const tag = randomBytes(3).toString("hex"); // unique per run, so an external DATABASE_URL can be reused
  const ids = [];
  const tokens = [];
  async function ensure(count, prefix = "b") {
    const start = ids.length;
    if (count <= start) return;
    for (let from = start; from < count; from += 10_000) {
      const to = Math.min(count, from + 10_000);
      const batchIds = [];
      const names = [];
      for (let i = from; i < to; i++) {
        const id = randomUUID();
        const username = `${prefix}${tag}_${i}`;
        batchIds.push(id);
        names.push(username);
        ids.push(id);
        tokens.push(signShopperToken(sessionSecret, { id, username }));
      }
      await db.query(
        `INSERT INTO users (id, username, username_key) SELECT id, name, lower(name) FROM unnest($1::uuid[], $2::text[]) AS t(id, name)`,
        [batchIds, names],
      );
    }
  }
  return { ensure, ids, tokens, tag };
}

/** A live drop inserted directly (used where the drop must carry history before the server first sees it). */
export async function insertDrop(db, { name, totalStock, soldStock = 0, startsAt = new Date(), holdSeconds = 3600, maxPerUser = 1, price = "10.00" }) {
  const id = randomUUID();
  await db.query(
    `INSERT INTO drops (id, name, price, total_stock, sold_stock, starts_at, hold_seconds, max_per_user, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
    [id, name, price, totalStock, soldStock, startsAt, holdSeconds, maxPerUser],
  );
  return id;
}

/**
 * Before every timed section: vacuum and analyze what the previous steps wrote and flush dirty pages,
 * so that autovacuum or a checkpoint triggered by earlier work does not land inside the measurement.
 * (Both need privileges a managed database may not give: then they are skipped.)
 */
export async function settle(db) {
  await db.query("VACUUM (ANALYZE) drops, reservations, purchases, users").catch(() => undefined);
  await db.query("CHECKPOINT").catch(() => undefined);
}

export async function databaseFacts(db) {
  const { rows } = await db.query(
    `SELECT version() AS version, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit,
            current_setting('shared_buffers') AS shared_buffers, current_setting('max_connections') AS max_connections,
            current_setting('wal_sync_method') AS wal_sync_method`,
  );
  return rows[0];
}

/**
 * The stock invariant, from the database and through the API, for every drop:
 * counters equal a recount of the rows, nothing oversold, and the API's view adds up.
 * Throws on any mismatch.
 */
export async function checkStockInvariant(db, client, apiDropIds = []) {
  const { rows } = await db.query(`
    SELECT d.id::text, d.total_stock, d.held_stock, d.sold_stock,
      (SELECT coalesce(sum(r.quantity), 0)::int FROM reservations r WHERE r.drop_id = d.id AND r.status = 'active') AS active_units,
      (SELECT coalesce(sum(p.quantity), 0)::int FROM purchases p WHERE p.drop_id = d.id) AS purchased_units
    FROM drops d`);
  const problems = [];
  for (const d of rows) {
    if (d.held_stock !== d.active_units) problems.push(`drop ${d.id}: held_stock ${d.held_stock} but active holds sum to ${d.active_units}`);
    if (d.sold_stock !== d.purchased_units) problems.push(`drop ${d.id}: sold_stock ${d.sold_stock} but purchases sum to ${d.purchased_units}`);
    if (d.held_stock + d.sold_stock > d.total_stock) problems.push(`drop ${d.id}: OVERSOLD held ${d.held_stock} + sold ${d.sold_stock} > total ${d.total_stock}`);
    if (d.active_units + d.purchased_units > d.total_stock) problems.push(`drop ${d.id}: OVERSOLD rows ${d.active_units} + ${d.purchased_units} > total ${d.total_stock}`);
  }
  const byId = new Map(rows.map((d) => [d.id, d]));
  for (const id of apiDropIds) {
    const r = await client.request("GET", `/api/drops/${id}`);
    const v = r.body;
    if (r.status !== 200) {
      problems.push(`GET /api/drops/${id}: ${r.status}`);
      continue;
    }
    const d = byId.get(id);
    if (v.availableStock + v.heldStock + v.soldStock !== v.totalStock || [v.availableStock, v.heldStock, v.soldStock].some((x) => x < 0)) {
      problems.push(`drop ${id}: API shows available ${v.availableStock} + held ${v.heldStock} + sold ${v.soldStock} != total ${v.totalStock}`);
    }
    // No hold in a benchmark lapses (holdSeconds 3600), so the API must show the database counters.
    if (d && (v.heldStock !== d.held_stock || v.soldStock !== d.sold_stock || v.totalStock !== d.total_stock)) {
      problems.push(`drop ${id}: API held/sold/total ${v.heldStock}/${v.soldStock}/${v.totalStock} != database ${d.held_stock}/${d.sold_stock}/${d.total_stock}`);
    }
  }
  if (problems.length > 0) throw new Error(`STOCK INVARIANT BROKEN:\n  ${problems.join("\n  ")}`);
  return { drops: rows.length, checkedThroughApi: apiDropIds.length };
}
