import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer, type TestSocket } from "../../test/server.js";
import type { StockUpdated } from "./events.js";

const AUDIENCE = 300;

interface Arrival {
  version: number;
  at: number;
}

describe("the fan-out budget on a real server with a few hundred sockets", () => {
  let server: TestServer;
  let watchers: TestSocket[] = [];
  /** Every stockUpdated each watcher heard for the drop under test, in order. */
  let heard: Arrival[][] = [];
  let dropUnderTest = "";

  beforeAll(async () => {
    // The budget under test comes the way an operator sets it: FANOUT_WRITES_PER_SEC.
    server = await startTestServer({ FANOUT_WRITES_PER_SEC: "2000" });
    watchers = [];
    for (let i = 0; i < AUDIENCE; i += 50) watchers.push(...(await Promise.all(Array.from({ length: Math.min(50, AUDIENCE - i) }, () => connectSocket(server.url)))));
    heard = watchers.map((socket) => {
      const arrivals: Arrival[] = [];
      socket.on("stockUpdated", (update: StockUpdated) => {
        if (update.dropId === dropUnderTest) arrivals.push({ version: update.version, at: Date.now() });
      });
      return arrivals;
    });
  }, 60_000);
  afterAll(async () => {
    for (const socket of watchers) socket.disconnect();
    await server?.stop();
  });

  /** A new drop every watcher watches (and nothing else): its stockUpdated has exactly AUDIENCE sockets to reach. */
  async function watchNewDrop(fields: Record<string, unknown>) {
    const drop = await server.api.createDrop(fields);
    await Promise.all(watchers.map((socket) => socket.emitWithAck("watch", { dropIds: [drop.id] })));
    dropUnderTest = drop.id;
    for (const arrivals of heard) arrivals.length = 0;
    return drop;
  }

  /** Resolves once every watcher has heard `version` of the drop under test. */
  async function everyWatcherHears(version: number, timeoutMs = 10_000) {
    await Promise.all(
      watchers.map((socket, i) =>
        heard[i]!.some((arrival) => arrival.version >= version)
          ? undefined
          : waitForEvent(socket, "stockUpdated", (update) => update.dropId === dropUnderTest && update.version >= version, timeoutMs),
      ),
    );
  }

  it("keeps a burst's writes per second within the budget, and every socket ends on the drop's final version", async () => {
    const budget = 2_000;
    expect(server.realtime.fanout.writesPerSec).toBe(budget);
    const drop = await watchNewDrop({ totalStock: 1_000, maxPerUser: 1 });
    const shoppers = await Promise.all(Array.from({ length: 30 }, (_, i) => server.api.shopper(`burst${i}`)));

    // Holds taken and let go as fast as the server answers, for three seconds: far more changes than the budget lets out.
    const until = Date.now() + 3_000;
    await Promise.all(
      shoppers.map(async (shopper) => {
        while (Date.now() < until) {
          const hold = await server.api.reserve(shopper.token, drop.id);
          expect(hold.status).toBe(201);
          await server.api.cancelReservation(shopper.token, ok(hold).reservation.id);
        }
      }),
    );
    const final = ok(await server.api.getDrop(drop.id));
    await everyWatcherHears(final.version);

    for (const arrivals of heard) expect(arrivals.at(-1)!.version).toBe(final.version);
    // Each send is one version written to every watcher: its writes are counted in the second it first arrived.
    const sends = new Map<number, { at: number; writes: number }>();
    for (const { version, at } of heard.flat()) {
      const send = sends.get(version);
      if (send) Object.assign(send, { at: Math.min(send.at, at), writes: send.writes + 1 });
      else sends.set(version, { at, writes: 1 });
    }
    const start = Math.min(...[...sends.values()].map((send) => send.at));
    const perSecond = new Map<number, number>();
    for (const send of sends.values()) {
      const second = Math.floor((send.at - start) / 1_000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + send.writes);
    }
    expect(final.version - drop.version, "the burst made many more changes than sends").toBeGreaterThan(sends.size * 2);
    expect(perSecond.size).toBeGreaterThanOrEqual(3);
    // The slack: one interval (AUDIENCE x 1 / budget) at each edge of a second, where a send's first arrival can land a little late.
    const slack = 2 * AUDIENCE;
    expect(Math.max(...perSecond.values()), `writes per second ${JSON.stringify([...perSecond])}`).toBeLessThanOrEqual(budget + slack);
  }, 60_000);

  it("sends a shopper's own events at once while the drop's broadcast waits out a long interval, and the final state still arrives", async () => {
    // 300 sockets at 75 writes a second: one stockUpdated every 4 s (8 s while the previous test's drop still counts as
    // busy), room enough for a loaded machine's second hold.
    server.realtime.fanout.writesPerSec = 75;
    const drop = await watchNewDrop({ totalStock: 10, maxPerUser: 1 });
    const [first, holder] = await Promise.all([server.api.shopper("first"), server.api.shopper("holder")]);
    const holderSocket = await connectSocket(server.url, holder.token);
    // What the holder's own socket hears, in order: it hears the drop's broadcasts too.
    const order: string[] = [];
    holderSocket.onAny((event: string, payload: { dropId?: string; heldStock?: number; reservation?: { dropId: string } }) => {
      if (event === "reservationUpdated" && payload.reservation?.dropId === drop.id) order.push("own hold");
      if (event === "stockUpdated" && payload.dropId === drop.id && payload.heldStock === 2) order.push("stock with the hold");
    });
    try {
      // The first change after a quiet spell goes out at once; the drop's stream is now inside its interval.
      expect((await server.api.reserve(first.token, drop.id)).status).toBe(201);
      await everyWatcherHears(drop.version + 1);

      const own = waitForEvent(holderSocket, "reservationUpdated", (event) => event.reservation.dropId === drop.id);
      const stock = waitForEvent(holderSocket, "stockUpdated", (update) => update.dropId === drop.id && update.heldStock === 2, 30_000);
      const hold = await server.api.reserve(holder.token, drop.id);
      expect(hold.status).toBe(201);
      const heardOwn = await own;
      expect(heardOwn.payload.reservation).toMatchObject({ id: ok(hold).reservation.id, status: "active" });
      // The private event did not wait for the broadcast: no watcher has the hold's stock change yet.
      expect(heard.every((arrivals) => arrivals.every((arrival) => arrival.version <= drop.version + 1))).toBe(true);

      await stock;
      expect(order).toEqual(["own hold", "stock with the hold"]);
      const final = ok(await server.api.getDrop(drop.id));
      await everyWatcherHears(final.version, 30_000);
      for (const arrivals of heard) expect(arrivals.at(-1)!.version).toBe(final.version);
    } finally {
      holderSocket.disconnect();
    }
  }, 60_000);
});
