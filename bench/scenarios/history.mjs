// history: holds on a drop whose reservations table already holds 100,000 past
// holds (completed with purchases, expired, cancelled; spread over 30 days, over
// 50,000 past shoppers), against an empty drop: same concurrency, same count.
import { randomBytes } from "node:crypto";
import { insertDrop } from "../lib/db.mjs";
import { activeHolds, combineBursts, holdBurst } from "../lib/holds.mjs";

const DAY_MS = 86_400_000;

/** Past shopper u (of U) has two rows: an older expired-or-cancelled hold, and a later one that 4 in 5 completed. */
async function seedHistory(db, dropId, rowCount, startsAt) {
  const shopperCount = Math.ceil(rowCount / 2);
  const tag = randomBytes(3).toString("hex");
  const { rows: users } = await db.query(
    `INSERT INTO users (id, username, username_key)
     SELECT gen_random_uuid(), 'p' || $1 || '_' || g, 'p' || $1 || '_' || g FROM generate_series(0, $2 - 1) g
     RETURNING id`,
    [tag, shopperCount],
  );
  const userIds = users.map((u) => u.id);
  const spanMs = Date.now() - 2 * 3_600_000 - startsAt.getTime(); // every past hold ended before now
  await db.query(
    `INSERT INTO reservations (id, drop_id, user_id, quantity, unit_price, status, created_at, expires_at, ended_at)
     SELECT gen_random_uuid(), $1, ($2::uuid[])[1 + g % $3], 1, 10.00, k.status::reservation_status,
            t.at, t.at + interval '3600 seconds',
            CASE k.status WHEN 'completed' THEN t.at + interval '40 seconds'
                          WHEN 'cancelled' THEN t.at + interval '90 seconds'
                          ELSE t.at + interval '3600 seconds' END
     FROM generate_series(0, $4 - 1) g
     CROSS JOIN LATERAL (SELECT $5::timestamptz + (g::float8 / $4 * $6 + random() * 60000) * interval '1 millisecond' AS at) t
     CROSS JOIN LATERAL (SELECT CASE
         WHEN g < $3 THEN (CASE WHEN g % 7 < 4 THEN 'expired' ELSE 'cancelled' END)
         WHEN (g % $3) % 5 < 4 THEN 'completed'
         ELSE 'expired' END AS status) k`,
    [dropId, userIds, shopperCount, rowCount, startsAt, spanMs],
  );
  const { rowCount: purchases } = await db.query(
    `INSERT INTO purchases (id, reservation_id, drop_id, user_id, quantity, amount_paid, confirmation_code, payment_ref, created_at)
     SELECT gen_random_uuid(), r.id, r.drop_id, r.user_id, r.quantity, r.unit_price * r.quantity,
            'H' || $2 || lpad((row_number() OVER ())::text, 10, '0'), 'bench-history', r.ended_at
     FROM reservations r WHERE r.drop_id = $1 AND r.status = 'completed'`,
    [dropId, tag],
  );
  await db.query(`UPDATE drops SET sold_stock = $2, version = version + 1 WHERE id = $1`, [dropId, purchases]);
  await db.query("ANALYZE users; ANALYZE reservations; ANALYZE purchases");
  const { rows: mix } = await db.query(`SELECT status::text, count(*)::int AS n FROM reservations WHERE drop_id = $1 GROUP BY 1 ORDER BY 1`, [dropId]);
  return Object.fromEntries(mix.map((m) => [m.status, m.n]));
}

export default async function history(ctx) {
  const { holds: count, historyRows, historyConnections: connections } = ctx.settings;
  await ctx.shoppers.ensure(count);
  const startsAt = new Date(Date.now() - 31 * DAY_MS);
  // Both drops are inserted the same way, before the server ever sees them.
  const emptyId = await insertDrop(ctx.db, { name: "History baseline (empty)", totalStock: count * 2, startsAt });
  const historyId = await insertDrop(ctx.db, { name: "History (100k past holds)", totalStock: historyRows + count * 2, startsAt });
  const seedStarted = performance.now();
  const mix = await seedHistory(ctx.db, historyId, historyRows, startsAt);
  const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
  await ctx.checkInvariant([historyId]);

  // A B B A, half the holds each time, so a drift in machine load (other processes, a checkpoint)
  // weighs on both drops alike. Shoppers 0..half-1 then half..count-1 on each drop.
  const half = Math.floor(count / 2);
  const bursts = { [emptyId]: [], [historyId]: [] };
  for (const [dropId, first, n] of [[emptyId, 0, half], [historyId, 0, half], [historyId, half, count - half], [emptyId, half, count - half]]) {
    bursts[dropId].push(await holdBurst(ctx, { dropId, count: n, connections, firstShopper: first, keepLatencies: true }));
  }
  const rows = [];
  for (const [label, dropId] of [["empty drop", emptyId], [`${historyRows} past holds`, historyId]]) {
    const run = combineBursts(bursts[dropId]);
    await ctx.checkInvariant([dropId]);
    const held = await activeHolds(ctx.db, dropId);
    if (held !== run.granted) throw new Error(`history (${label}): ${run.granted} holds granted but ${held} active in the database`);
    rows.push({ scenario: "history", setup: `${label}, ${connections} conns, A-B-B-A halves`, connections, ...run });
  }
  const [empty, withHistory] = rows;
  const slowdown = Math.round((empty.perSecond / withHistory.perSecond) * 100) / 100;
  const p50Ratio = Math.round((withHistory.p50ms / empty.p50ms) * 100) / 100;
  const p99Ratio = Math.round((withHistory.p99ms / empty.p99ms) * 100) / 100;
  return {
    rows,
    details: { historyMix: mix, seedSeconds, throughputSlowdown: slowdown, p50Ratio, p99Ratio },
    targets: [
      { target: `history: holds/s with ${historyRows} past holds no worse than 1.2x the empty drop`, value: `${slowdown}x (p50 ${p50Ratio}x, p99 ${p99Ratio}x)`, met: slowdown <= 1.2 },
    ],
  };
}
