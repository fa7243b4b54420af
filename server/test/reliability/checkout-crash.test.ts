import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CrashPoint } from "../../src/checkout/crash-point.js";
import { checkStock, createTestDatabase, type TestDatabase } from "../database.js";
import { spawnServer, type ServerProcess } from "../process.js";
import { ApiClient, ok, testEnv } from "../server.js";

/**
 * The checkout saga killed (SIGKILL) at each of its steps, then restarted on
 * the same database: the resume job finishes the sale or compensates it,
 * never both, and the provider's own table shows each charge captured or
 * voided exactly once.
 */
describe("a checkout killed at each step, then restarted", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  // The request waits for the whole (8 s) slow payment: the void then happens before any answer.
  const start = (crashAt?: CrashPoint, env: Record<string, string> = {}): ServerProcess =>
    spawnServer({
      ...process.env,
      ...testEnv({
        DATABASE_URL: db.url,
        LOG_LEVEL: "info",
        CHECKOUT_RECOVERY_MS: "1500",
        PAYMENT_TIMEOUT_MS: "20000",
        ...(crashAt ? { DROPLINE_CRASH_AT: crashAt } : {}),
        ...env,
      }),
    });

  /** The checkout of this hold once nothing is left to do for it (it ended, and a charge it owes back is voided). */
  const settled = async (reservationId: string) => {
    let row: Record<string, unknown> | undefined;
    await expect
      .poll(
        async () => {
          row = (
            await db.pool.query(
              `SELECT c.id::text, c.status::text, c.charge_status, c.voided_at IS NOT NULL AS voided,
                      (SELECT count(*)::int FROM purchases p WHERE p.reservation_id = c.reservation_id) AS purchases,
                      (SELECT count(*)::int FROM tickets t WHERE t.purchase_id = c.id) AS tickets
               FROM checkouts c WHERE c.reservation_id = $1::uuid`,
              [reservationId],
            )
          ).rows[0];
          return row && row.status !== "processing" && !(row.status === "failed" && row.charge_status === "approved" && !row.voided);
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(true);
    return row!;
  };
  const providerCharges = async (checkoutId: string) =>
    (await db.pool.query(`SELECT status, attempts FROM simulated_charges WHERE idempotency_key = $1`, [`${checkoutId}:charge`])).rows;
  const events = async (reservationId: string, type: string) =>
    (await db.pool.query(`SELECT count(*)::int AS n FROM hold_events WHERE reservation_id = $1::uuid AND type = $2`, [reservationId, type])).rows[0].n;

  /** Buys two units with `method` on a server that kills itself at `point`; the answer never comes. */
  async function crashDuringPurchase(
    point: CrashPoint,
    method: string,
    whilePaying?: (api: ApiClient, token: string, holdId: string) => Promise<void>,
    env: Record<string, string> = {},
  ) {
    const doomed = start(point, env);
    const api = new ApiClient(await doomed.url);
    const drop = await api.createDrop({ totalStock: 4, maxPerUser: 2 });
    const shopper = await api.shopper(`crash_${point}`);
    const hold = ok(await api.reserve(shopper.token, drop.id, 2), 201).reservation;
    const paying = api.purchase(shopper.token, hold.id, { method }).then(
      (answer) => answer.status,
      () => "connection lost",
    );
    await whilePaying?.(api, shopper.token, hold.id);
    expect(await paying).toBe("connection lost");
    await doomed.exited;
    return { dropId: drop.id, holdId: hold.id };
  }

  it.each<[CrashPoint, string]>([
    ["checkout_started", "before the provider is called"],
    ["charge_answered", "after the provider approved, before the approval was recorded"],
    ["charge_recorded", "after the approval was recorded, before the sale"],
    ["sale_committed", "after the sale committed, before the answer"],
  ])("killed at %s (%s): after a restart the sale is made once, with the one charge captured", async (point) => {
    const { dropId, holdId } = await crashDuringPurchase(point, "sim_ok");
    const restarted = start();
    await restarted.url;
    try {
      const checkout = await settled(holdId);
      expect(checkout).toMatchObject({ status: "completed", charge_status: "approved", voided: false, purchases: 1, tickets: 2 });
      const charges = await providerCharges(checkout.id as string);
      expect(charges).toHaveLength(1);
      expect(charges[0].status).toBe("approved");
      // Asked again after the crash only if the approval had not been recorded: same key, same charge.
      expect(charges[0].attempts).toBe(point === "charge_answered" ? 2 : 1);
      expect(await events(holdId, "purchase_completed")).toBe(1);
      expect(await events(holdId, "payment_voided")).toBe(0);
      expect(await checkStock(db.pool, dropId)).toMatchObject({ totalStock: 4, heldStock: 0, soldStock: 2, purchasedUnits: 2, completedHoldUnits: 2, activeHoldUnits: 0 });
    } finally {
      restarted.child.kill("SIGTERM");
      await restarted.exited;
    }
  });

  it("killed at void_sent (the hold was cancelled while a slow payment ran): after a restart the charge is voided once, and nothing is sold", async () => {
    const { dropId, holdId } = await crashDuringPurchase("void_sent", "sim_slow", async (api, token, id) => {
      // The shopper changes their mind while the bank is slow: the approved charge must go back.
      await expect.poll(async () => (await db.pool.query(`SELECT count(*)::int AS n FROM checkouts WHERE reservation_id = $1::uuid`, [id])).rows[0].n).toBe(1);
      expect(ok(await api.cancelReservation(token, id)).reservation.status).toBe("cancelled");
    }, { CHECKOUT_RECOVERY_MS: "11000" }); // the resume job waits until after the 8 s payment, so the request alone runs it
    const restarted = start();
    await restarted.url;
    try {
      const checkout = await settled(holdId);
      expect(checkout).toMatchObject({ status: "failed", charge_status: "approved", voided: true, purchases: 0, tickets: 0 });
      expect(await providerCharges(checkout.id as string)).toEqual([{ status: "refunded", attempts: 1 }]);
      expect(await events(holdId, "payment_voided")).toBe(1);
      expect(await events(holdId, "purchase_completed")).toBe(0);
      expect(await checkStock(db.pool, dropId)).toMatchObject({ heldStock: 0, soldStock: 0, purchasedUnits: 0, activeHoldUnits: 0 });
    } finally {
      restarted.child.kill("SIGTERM");
      await restarted.exited;
    }
  });
});
