import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStock } from "../../test/database.js";
import { ok, startTestServer, type TestServer } from "../../test/server.js";

const HOLDS = 60;

/** Server clock minus ours, from the quickest of a few quiet requests (a slow one skews it). */
async function serverClockOffset(server: TestServer): Promise<number> {
  let best = { roundTrip: Infinity, offset: 0 };
  for (let i = 0; i < 5; i++) {
    const sentAt = Date.now();
    const answer = await server.api.listDrops();
    const receivedAt = Date.now();
    if (receivedAt - sentAt < best.roundTrip) {
      best = { roundTrip: receivedAt - sentAt, offset: Date.parse(ok(answer).serverTime) - (sentAt + receivedAt) / 2 };
    }
  }
  return best.offset;
}

describe("a purchase racing the hold's deadline", () => {
  let server: TestServer;
  beforeAll(async () => {
    // A sweeper every 50 ms makes it run in the same few milliseconds as the purchases.
    server = await startTestServer({ EXPIRY_SWEEP_MS: "50" });
  });
  afterAll(() => server?.stop());

  it("ends every hold one way only: completed with one purchase, or expired with a 410", async () => {
    const drop = await server.api.createDrop({ totalStock: HOLDS, holdSeconds: 10, maxPerUser: 1 });
    const shoppers = await Promise.all(Array.from({ length: HOLDS }, (_, i) => server.api.shopper(`buyer${i}`)));
    const holds = await Promise.all(shoppers.map((s) => server.api.reserve(s.token, drop.id)));
    expect(holds.every((h) => h.status === 201)).toBe(true);

    const clockOffset = await serverClockOffset(server);
    // Most purchases are aimed at their hold's deadline, from 40 ms before to 40 ms after,
    // so they land on either side of it while the sweeper runs; every sixth is clearly
    // early and every sixth clearly late, so both endings are sure to be exercised.
    // (Early is 2 s: with 500 ms, one of 60 payments started together on a loaded machine
    // once ended after its deadline.)
    const answers = await Promise.all(
      holds.map((hold, i) => {
        const reservation = ok(hold).reservation;
        const offsetMs = i % 6 === 0 ? -2_000 : i % 6 === 1 ? 300 : -40 + Math.round((80 * i) / (HOLDS - 1));
        const fireAt = Date.parse(reservation.expiresAt) + offsetMs - clockOffset;
        return new Promise<{ id: string; status: number; error?: string }>((resolve) => {
          setTimeout(async () => {
            const answer = await server.api.purchase(shoppers[i]!.token, reservation.id);
            resolve({ id: reservation.id, status: answer.status, error: answer.body.error });
          }, Math.max(0, fireAt - Date.now()));
        });
      }),
    );

    expect(answers.every((a) => a.status === 201 || (a.status === 410 && a.error === "RESERVATION_EXPIRED"))).toBe(true);
    const { rows } = await server.db.pool.query(
      `SELECT r.id::text, r.status::text, count(p.id)::int AS purchases
       FROM reservations r LEFT JOIN purchases p ON p.reservation_id = r.id
       WHERE r.drop_id = $1 GROUP BY r.id`,
      [drop.id],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const answer of answers) {
      const row = byId.get(answer.id)!;
      if (answer.status === 201) expect(row).toMatchObject({ status: "completed", purchases: 1 });
      else expect(row).toMatchObject({ status: "expired", purchases: 0 });
    }
    const sold = answers.filter((a) => a.status === 201).length;
    const stock = await checkStock(server.db.pool, drop.id);
    expect(stock).toMatchObject({ totalStock: HOLDS, heldStock: 0, soldStock: sold, activeHoldUnits: 0, purchasedUnits: sold, completedHoldUnits: sold });
    expect(sold).toBeGreaterThanOrEqual(HOLDS / 6);
    expect(HOLDS - sold).toBeGreaterThanOrEqual(HOLDS / 6);
  });
});
