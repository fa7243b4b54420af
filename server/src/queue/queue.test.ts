import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionResponse } from "../sessions/sessions.schemas.js";
import { checkStock } from "../../test/database.js";
import { ADMIN_TOKEN, connectSocket, ok, startTestServer, waitForEvent, type SomeAnswer, type TestServer, type TestSocket } from "../../test/server.js";
import type { QueueEntry, QueueUpdated } from "./queue.schemas.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();
const TICK_MS = 50;

describe("waiting room", () => {
  let server: TestServer;
  let watcher: TestSocket;
  const sockets: TestSocket[] = [];
  /** Every queueUpdated any test's drop got, in arrival order. */
  const updates: (QueueUpdated & { at: number })[] = [];

  beforeAll(async () => {
    server = await startTestServer({ QUEUE_TICK_MS: String(TICK_MS) });
    watcher = await connectSocket(server.url);
    watcher.on("queueUpdated", (update) => updates.push({ ...update, at: Date.now() }));
  });
  afterAll(async () => {
    watcher?.close();
    for (const socket of sockets) socket.close();
    await server?.stop();
  });

  const queuedDrop = (fields: Record<string, unknown>, queue: Record<string, unknown> = {}) =>
    server.api.createDrop({ totalStock: 10, ...fields, queue: { admitPerSecond: 50, admissionSeconds: 60, ...queue } });
  const shoppers = (count: number) => Promise.all(Array.from({ length: count }, () => server.api.shopper("q")));
  const socketFor = async (shopper: SessionResponse) => {
    const socket = await connectSocket(server.url, shopper.token);
    sockets.push(socket);
    return socket;
  };
  const heard = (dropId: string, predicate: (update: QueueUpdated) => boolean, timeoutMs = 8_000) =>
    waitForEvent(watcher, "queueUpdated", (update) => update.dropId === dropId && predicate(update), timeoutMs);
  const admittedOn = (socket: TestSocket, dropId: string, timeoutMs = 8_000) =>
    waitForEvent(socket, "queueAdmitted", (event) => event.dropId === dropId, timeoutMs);
  const entryRows = async (dropId: string) =>
    (
      await server.db.pool.query<{ user_id: string; status: string; number: number | null; admitted_at: Date | null }>(
        "SELECT user_id::text, status::text, number, admitted_at FROM queue_entries WHERE drop_id = $1 ORDER BY number",
        [dropId],
      )
    ).rows;
  const entryOf = async (shopper: SessionResponse, dropId: string) => ok(await server.api.queueEntry(shopper.token, dropId));
  const expectStockClean = async (dropId: string) => {
    const stock = await checkStock(server.db.pool, dropId);
    expect(stock.heldStock).toBe(stock.activeHoldUnits);
    expect(stock.soldStock).toBe(stock.purchasedUnits);
    expect(stock.heldStock + stock.soldStock).toBeLessThanOrEqual(stock.totalStock);
    return stock;
  };

  describe("joining", () => {
    it("answers clear errors: no such drop, no waiting room, not open yet, not in line, and shoppers only", async () => {
      const [shopper] = await shoppers(1);
      const plain = await server.api.createDrop({ totalStock: 1 });
      const later = await queuedDrop({ startsAt: isoIn(2 * 3_600_000) }, { opensAt: isoIn(3_600_000) });

      expect((await server.api.joinQueue(shopper!.token, "00000000-0000-4000-8000-000000000000")).body.error).toBe("DROP_NOT_FOUND");
      expect((await server.api.joinQueue(shopper!.token, "not-an-id")).body.error).toBe("DROP_NOT_FOUND");
      const notEnabled = await server.api.joinQueue(shopper!.token, plain.id);
      expect([notEnabled.status, notEnabled.body.error]).toEqual([409, "QUEUE_NOT_ENABLED"]);
      const notOpen = await server.api.joinQueue(shopper!.token, later.id);
      expect([notOpen.status, notOpen.body.error]).toEqual([409, "QUEUE_NOT_OPEN"]);
      const missing = await server.api.queueEntry(shopper!.token, later.id);
      expect([missing.status, missing.body.error]).toEqual([404, "QUEUE_ENTRY_NOT_FOUND"]);
      expect((await server.api.call("POST", `/api/drops/${later.id}/queue`)).status).toBe(401);
      expect(later.queue).toMatchObject({ state: "not_open", opensAt: new Date(later.queue!.opensAt).toISOString(), length: 0, admittedThrough: 0 });
    });

    it("opensAt defaults to 15 minutes before the start, and a waiting room with opensAt after startsAt is refused", async () => {
      const startsAt = isoIn(3_600_000);
      const drop = await queuedDrop({ startsAt });
      expect(Date.parse(drop.queue!.opensAt)).toBe(Date.parse(startsAt) - 15 * 60_000);
      const wrong = await server.api.call<SomeAnswer>("POST", "/api/drops", {
        token: ADMIN_TOKEN,
        body: { name: "x", price: "1.00", totalStock: 1, startsAt, queue: { admitPerSecond: 5, admissionSeconds: 60, opensAt: isoIn(7_200_000) } },
      });
      expect([wrong.status, wrong.body.error]).toEqual([400, "VALIDATION_ERROR"]);
    });

    it("before the start everyone waits unnumbered; at the start the pre-queue is drawn into numbers 1..N; a refresh or second tab keeps the place", async () => {
      const drop = await queuedDrop({ startsAt: isoIn(1_500), totalStock: 100 }, { admitPerSecond: 1 });
      const early = await shoppers(12);
      const joins = await Promise.all(early.map((s) => server.api.joinQueue(s.token, drop.id)));
      for (const join of joins) expect(ok(join, 201)).toMatchObject({ status: "pre_queue", number: null, position: null, estimatedWaitSeconds: null });
      const again = await server.api.joinQueue(early[0]!.token, drop.id);
      expect(ok(again, 200)).toMatchObject({ status: "pre_queue", number: null });

      await heard(drop.id, (update) => update.state === "admitting");
      const rows = await entryRows(drop.id);
      expect(rows.map((row) => row.number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(new Set(rows.map((row) => row.user_id)).size).toBe(12);

      // A refresh after the draw: the same number, never a better one.
      const before = await entryOf(early[5]!, drop.id);
      const refresh = await server.api.joinQueue(early[5]!.token, drop.id);
      expect(ok(refresh, 200).number).toBe(before.number);
    });

    it("after the start, numbers follow arrival: each joiner gets the next number, behind the whole drawn pre-queue", async () => {
      const drop = await queuedDrop({ startsAt: isoIn(1_000), totalStock: 100 }, { admitPerSecond: 1 });
      const early = await shoppers(5);
      await Promise.all(early.map((s) => server.api.joinQueue(s.token, drop.id)));
      await heard(drop.id, (update) => update.state === "admitting");
      const late = await shoppers(4);
      const numbers: number[] = [];
      for (const shopper of late) numbers.push(ok(await server.api.joinQueue(shopper.token, drop.id), 201).number!);
      expect(numbers).toEqual([6, 7, 8, 9]);
      const last = await entryOf(late[3]!, drop.id);
      expect(last.position).toBe(9 - last.admittedThrough);
      expect(last.estimatedWaitSeconds).toBe(last.position);
    });

    it("the first joiner after the start draws the line without waiting for the admission tick, and 150 concurrent joiners get 150 distinct numbers with no gaps", async () => {
      // startsAt defaults to now: the line is open and due for its draw at once.
      const drop = await queuedDrop({ totalStock: 500 }, { admitPerSecond: 1 });
      const crowd = await shoppers(150);
      const joins = await Promise.all(crowd.map((s) => server.api.joinQueue(s.token, drop.id)));
      const numbers = joins.map((join) => ok(join, 201).number!).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      const repeats = await Promise.all(crowd.map((s) => server.api.joinQueue(s.token, drop.id)));
      expect(repeats.map((join) => ok(join, 200).number)).toEqual(joins.map((join) => join.body.number));
    });
  });

  describe("the shopper's place in the drop views", () => {
    it("GET /api/drops and /api/drops/:id with a token carry myQueueEntry as GET /queue/me answers it, null when not in line; /queue/me still answers 404 then", async () => {
      // Open but not started: the entries stay in the pre-queue, so both answers can be compared whole.
      const drop = await queuedDrop({ startsAt: isoIn(3_600_000) }, { opensAt: isoIn(-1_000) });
      const plain = await server.api.createDrop({ totalStock: 1 });
      const [inLine, outside] = await shoppers(2);
      ok(await server.api.joinQueue(inLine!.token, drop.id), 201);
      const find = async (dropId: string, token?: string) => ok(await server.api.listDrops(token)).drops.find((d) => d.id === dropId);
      const withoutTime = ({ serverTime, ...entry }: QueueEntry) => (expect(Date.parse(serverTime)).not.toBeNaN(), entry);

      const asked = withoutTime(await entryOf(inLine!, drop.id));
      expect(asked).toMatchObject({ dropId: drop.id, status: "pre_queue", number: null });
      expect(withoutTime((await find(drop.id, inLine!.token))!.myQueueEntry!)).toEqual(asked);
      expect(withoutTime(ok(await server.api.getDrop(drop.id, inLine!.token)).myQueueEntry!)).toEqual(asked);

      // Not in line, or no line at all: null, and no question needed; the question itself is answered as before.
      expect((await find(drop.id, outside!.token))?.myQueueEntry).toBeNull();
      expect((await find(plain.id, inLine!.token))?.myQueueEntry).toBeNull();
      expect(ok(await server.api.getDrop(drop.id, outside!.token)).myQueueEntry).toBeNull();
      const missing = await server.api.queueEntry(outside!.token, drop.id);
      expect([missing.status, missing.body.error]).toEqual([404, "QUEUE_ENTRY_NOT_FOUND"]);
      // Without a token, nobody's place.
      expect(await find(drop.id)).not.toHaveProperty("myQueueEntry");

      // It follows the entry: after leaving, "left".
      ok(await server.api.leaveQueue(inLine!.token, drop.id));
      expect((await find(drop.id, inLine!.token))?.myQueueEntry).toMatchObject({ status: "left" });
    });
  });

  describe("admission", () => {
    it("lets people in strictly by number, never more than admitPerSecond in any one-second window plus one tick's batch, and queueUpdated at most twice a second", async () => {
      const rate = 10;
      const drop = await queuedDrop({ totalStock: 100 }, { admitPerSecond: rate });
      const crowd = await shoppers(35);
      for (const shopper of crowd) ok(await server.api.joinQueue(shopper.token, drop.id), 201);
      await heard(drop.id, (update) => update.admittedThrough >= 35, 20_000);

      const rows = await entryRows(drop.id);
      expect(rows.every((row) => row.status === "admitted")).toBe(true);
      const times = rows.map((row) => row.admitted_at!.getTime());
      // Nobody before a smaller number.
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
      const batch = Math.max(1, Math.ceil((rate * TICK_MS) / 1000));
      for (const start of times) {
        const inWindow = times.filter((t) => t >= start && t < start + 1_000).length;
        expect(inWindow).toBeLessThanOrEqual(rate + batch);
      }
      // And it does keep to the rate: 35 entries at 10/s take at least 2.4 s.
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(((35 - rate - batch) / rate) * 1000);

      // Events of one state come at most twice a second (a state change is sent at once). They
      // leave 500 ms apart; arrival times carry the delivery's jitter, so the bound here is looser,
      // and still far from the 50 ms of an event per tick.
      const mine = updates.filter((update) => update.dropId === drop.id);
      const sameState = mine.slice(1).filter((update, i) => update.state === mine[i]!.state);
      expect(sameState.length).toBeGreaterThan(3);
      for (let i = 1; i < mine.length; i++) {
        if (mine[i]!.state === mine[i - 1]!.state) expect(mine[i]!.at - mine[i - 1]!.at, `events ${i - 1} and ${i}`).toBeGreaterThanOrEqual(250);
      }
      const span = mine.at(-1)!.at - mine[0]!.at;
      expect(mine.length).toBeLessThanOrEqual(Math.ceil(span / 500) + 3);
    });

    it("no hold without admission: 403 NOT_ADMITTED with the status and position; once let in the hold is granted, the entry is done, and asking again returns the same hold", async () => {
      const drop = await queuedDrop({ totalStock: 1 }, { admitPerSecond: 50 });
      const [first, second, outsider] = await shoppers(3);
      const firstSocket = await socketFor(first!);
      const admitted = admittedOn(firstSocket, drop.id);
      ok(await server.api.joinQueue(first!.token, drop.id), 201);
      ok(await server.api.joinQueue(second!.token, drop.id), 201);

      const refused = await server.api.reserve(outsider!.token, drop.id);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: "NOT_ADMITTED", details: { status: null, position: null } });

      const { payload } = await admitted;
      expect(Date.parse(payload.admittedUntil) - Date.now()).toBeGreaterThan(50_000);
      // One unit, one open admission: the second shopper waits at the front.
      const waiting = await server.api.reserve(second!.token, drop.id);
      expect(waiting.body).toMatchObject({ error: "NOT_ADMITTED", details: { status: "waiting", position: 1 } });

      const hold = ok(await server.api.reserve(first!.token, drop.id), 201);
      expect((await entryOf(first!, drop.id)).status).toBe("done");
      expect(ok(await server.api.reserve(first!.token, drop.id), 200).reservation.id).toBe(hold.reservation.id);
      await expectStockClean(drop.id);
    });

    it("an admission that lapses lets the next one in; the lapsed shopper is refused and may rejoin at the back", async () => {
      const drop = await queuedDrop({ totalStock: 1 }, { admitPerSecond: 50, admissionSeconds: 1 });
      const [slow, next] = await shoppers(2);
      const slowSocket = await socketFor(slow!);
      const nextSocket = await socketFor(next!);
      const slowTurn = admittedOn(slowSocket, drop.id);
      const nextTurn = admittedOn(nextSocket, drop.id);
      expect(ok(await server.api.joinQueue(slow!.token, drop.id), 201).number).toBe(1);
      expect(ok(await server.api.joinQueue(next!.token, drop.id), 201).number).toBe(2);
      await slowTurn;

      const { at } = await nextTurn;
      const lapsed = await entryOf(slow!, drop.id);
      expect(lapsed.status).toBe("lapsed");
      expect(at).toBeGreaterThanOrEqual(Date.parse(lapsed.admittedUntil!) - 100);
      expect((await server.api.reserve(slow!.token, drop.id)).body).toMatchObject({ error: "NOT_ADMITTED", details: { status: "lapsed" } });

      const back = ok(await server.api.joinQueue(slow!.token, drop.id), 201);
      expect(back).toMatchObject({ status: "waiting", number: 3 });
    });

    it("pauses while every unit is held, goes on when one comes back, and closes at once when nothing can: every waiting shopper is sold out", async () => {
      const drop = await queuedDrop({ totalStock: 1 }, { admitPerSecond: 50 });
      const [a, b, c] = await shoppers(3);
      const aSocket = await socketFor(a!);
      const bSocket = await socketFor(b!);
      const aTurn = admittedOn(aSocket, drop.id);
      for (const shopper of [a, b, c]) ok(await server.api.joinQueue(shopper!.token, drop.id), 201);
      await aTurn;

      const paused = heard(drop.id, (update) => update.state === "paused");
      const hold = ok(await server.api.reserve(a!.token, drop.id), 201).reservation;
      await paused;
      expect((await entryOf(b!, drop.id)).status).toBe("waiting");
      expect(ok(await server.api.getDrop(drop.id)).queue?.state).toBe("paused");

      const bTurn = admittedOn(bSocket, drop.id);
      ok(await server.api.cancelReservation(a!.token, hold.id));
      await bTurn;

      const closed = heard(drop.id, (update) => update.state === "closed");
      const bHold = ok(await server.api.reserve(b!.token, drop.id), 201).reservation;
      ok(await server.api.purchase(b!.token, bHold.id), 201);
      const { payload } = await closed;
      expect(payload).toMatchObject({ length: 0 });

      expect((await entryOf(c!, drop.id)).status).toBe("sold_out");
      const [late] = await shoppers(1);
      const refused = await server.api.joinQueue(late!.token, drop.id);
      expect([refused.status, refused.body.error]).toEqual([409, "QUEUE_CLOSED"]);
      // Someone who was in line is told the same, and still finds their entry.
      expect((await server.api.joinQueue(c!.token, drop.id)).body.error).toBe("QUEUE_CLOSED");
      expect((await entryOf(c!, drop.id)).status).toBe("sold_out");
      expect(ok(await server.api.getDrop(drop.id)).queue).toMatchObject({ state: "closed", length: 0 });
      await expectStockClean(drop.id);

      // More stock and a new line: the server no longer answers from what it knew of the old one.
      ok(await server.api.updateDrop(drop.id, { totalStock: 2, queue: null }));
      ok(await server.api.updateDrop(drop.id, { queue: { admitPerSecond: 50, admissionSeconds: 60 } }));
      expect(ok(await server.api.joinQueue(late!.token, drop.id), 201).number).toBe(1);
    });

    it("the line closes when the drop ends, and its entries are sold out", async () => {
      const drop = await queuedDrop({ totalStock: 5, endsAt: isoIn(1_200) }, { admitPerSecond: 1 });
      const crowd = await shoppers(4);
      for (const shopper of crowd) ok(await server.api.joinQueue(shopper.token, drop.id), 201);
      await heard(drop.id, (update) => update.state === "closed");
      // Admitted ones too: with the drop over, their admission can buy nothing.
      expect((await entryRows(drop.id)).map((row) => row.status)).toEqual(["sold_out", "sold_out", "sold_out", "sold_out"]);
    });

    it("leaving gives the place up: those behind move up one, the leaver cannot reserve, and may rejoin only at the back", async () => {
      const drop = await queuedDrop({ totalStock: 100, startsAt: isoIn(600) }, { admitPerSecond: 1 });
      const crowd = await shoppers(6);
      await heard(drop.id, () => true); // the line is open (pre_queue)
      for (const shopper of crowd) ok(await server.api.joinQueue(shopper.token, drop.id), 201);
      await heard(drop.id, (update) => update.state === "admitting");
      const entries = await Promise.all(crowd.map((s) => entryOf(s, drop.id)));
      const waiting = entries.map((entry, i) => ({ entry, shopper: crowd[i]! })).filter(({ entry }) => entry.status === "waiting");
      waiting.sort((x, y) => x.entry.number! - y.entry.number!);
      const leaver = waiting[0]!;
      const behind = waiting.at(-1)!;
      const positionBefore = (await entryOf(behind.shopper, drop.id)).position!;

      const left = ok(await server.api.leaveQueue(leaver.shopper.token, drop.id));
      expect(left.status).toBe("left");
      const after = await entryOf(behind.shopper, drop.id);
      expect(after.position).toBeLessThanOrEqual(positionBefore - 1);
      expect((await server.api.reserve(leaver.shopper.token, drop.id)).body).toMatchObject({ error: "NOT_ADMITTED", details: { status: "left" } });
      const back = ok(await server.api.joinQueue(leaver.shopper.token, drop.id), 201);
      expect(back.number).toBeGreaterThan(6);
    });
  });

  describe("an admin turning the waiting room on and off", () => {
    it("on a live drop, holds then need admission; off again, anyone may reserve and the line is gone", async () => {
      const drop = await server.api.createDrop({ totalStock: 5 });
      const [shopper] = await shoppers(1);
      const on = ok(await server.api.updateDrop(drop.id, { queue: { admitPerSecond: 5, admissionSeconds: 30 } }));
      expect(on.queue).toMatchObject({ admitPerSecond: 5, admissionSeconds: 30 });
      expect((await server.api.reserve(shopper!.token, drop.id)).body.error).toBe("NOT_ADMITTED");
      ok(await server.api.joinQueue(shopper!.token, drop.id), 201);

      const off = ok(await server.api.updateDrop(drop.id, { queue: null }));
      expect(off.queue).toBeNull();
      ok(await server.api.reserve(shopper!.token, drop.id), 201);
      expect((await server.api.queueEntry(shopper!.token, drop.id)).body.error).toBe("QUEUE_ENTRY_NOT_FOUND");
      expect(await entryRows(drop.id)).toEqual([]);
    });

    it("a refused edit leaves the waiting room as it was", async () => {
      const drop = await server.api.createDrop({ totalStock: 5 });
      const refused = await server.api.updateDrop(drop.id, { endsAt: "2020-01-01T00:00:00Z", queue: { admitPerSecond: 5 } });
      expect(refused.status).toBe(400);
      expect(ok(await server.api.getDrop(drop.id)).queue).toBeNull();
    });
  });

  it("racing admitted shoppers never oversell: 30 admitted, 10 units, 30 concurrent holds", async () => {
    const drop = await queuedDrop({ totalStock: 10, maxPerUser: 1 }, { admitPerSecond: 10_000 });
    const crowd = await shoppers(30);
    await Promise.all(crowd.map((s) => server.api.joinQueue(s.token, drop.id)));
    await heard(drop.id, (update) => update.admittedThrough >= 10);
    const answers = await Promise.all(crowd.map((s) => server.api.reserve(s.token, drop.id)));
    const granted = answers.filter((answer) => answer.status === 201);
    expect(granted).toHaveLength(10);
    for (const answer of answers) expect([201, 403, 409]).toContain(answer.status);
    expect(await expectStockClean(drop.id)).toMatchObject({ heldStock: 10 });
  });
});

describe("waiting room: the per-address cap", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMITS: "on", QUEUE_ENTRIES_PER_IP: "2", RATE_LIMIT_SESSIONS_PER_MIN: "1000" });
  });
  afterAll(() => server?.stop());

  it("a third shopper from one address is refused with 429; those already in line keep their places", async () => {
    const drop = await server.api.createDrop({ totalStock: 5, queue: { admitPerSecond: 1, admissionSeconds: 60 } });
    const crowd = await Promise.all([1, 2, 3].map(() => server.api.shopper("ip")));
    ok(await server.api.joinQueue(crowd[0]!.token, drop.id), 201);
    ok(await server.api.joinQueue(crowd[1]!.token, drop.id), 201);
    const third = await server.api.joinQueue(crowd[2]!.token, drop.id);
    expect([third.status, third.body.error]).toEqual([429, "RATE_LIMITED"]);
    expect(ok(await server.api.joinQueue(crowd[0]!.token, drop.id), 200).number).toBe(1);
  });
});

describe("waiting room: an admission past its time, before any tick has marked it", () => {
  let server: TestServer;
  beforeAll(async () => {
    // No admission leader: nothing marks the entry lapsed behind the test's back.
    server = await startTestServer({}, { admission: false });
  });
  afterAll(() => server?.stop());

  it("reads as lapsed at once: the shopper is told, refused a hold, and may rejoin at the back", async () => {
    const drop = await server.api.createDrop({ totalStock: 5, queue: { admitPerSecond: 5, admissionSeconds: 60 } });
    const shopper = await server.api.shopper("late");
    expect(ok(await server.api.joinQueue(shopper.token, drop.id), 201).number).toBe(1);
    await server.db.pool.query(
      `UPDATE queue_entries SET status = 'admitted', admitted_at = now() - interval '2 minutes', admitted_until = now() - interval '1 minute'
       WHERE drop_id = $1`,
      [drop.id],
    );
    expect(ok(await server.api.queueEntry(shopper.token, drop.id)).status).toBe("lapsed");
    expect((await server.api.reserve(shopper.token, drop.id)).body).toMatchObject({ error: "NOT_ADMITTED", details: { status: "lapsed" } });
    expect(ok(await server.api.joinQueue(shopper.token, drop.id), 201)).toMatchObject({ status: "waiting", number: 2 });
  });
});
