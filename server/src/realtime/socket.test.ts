import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer, type TestSocket } from "../../test/server.js";
import type { ServerToClientEvents } from "./events.js";

type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];
interface Heard<E extends keyof ServerToClientEvents> {
  payload: Payload<E>;
  at: number;
}

/** Every `event` a socket hears, in order, with arrival times; `until` waits for the list to satisfy a condition. */
function record<E extends keyof ServerToClientEvents>(socket: TestSocket, event: E) {
  const heard: Heard<E>[] = [];
  const wakers = new Set<() => void>();
  socket.on(event, ((payload: Payload<E>) => {
    heard.push({ payload, at: Date.now() });
    for (const wake of wakers) wake();
  }) as never);
  return {
    heard,
    until(condition: (heard: Heard<E>[]) => boolean, timeoutMs = 5_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!condition(heard)) return;
          wakers.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          wakers.delete(check);
          reject(new Error(`${String(event)}: condition not met within ${timeoutMs} ms (heard ${heard.length})`));
        }, timeoutMs);
        wakers.add(check);
        check();
      });
    },
  };
}

/** DropView as API.md lists it, without the shopper-only `my*` fields. */
const PUBLIC_DROP_KEYS = [
  "availableStock", "description", "endsAt", "heldStock", "holdSeconds", "id", "imageUrl", "maxPerUser", "name", "price", "queue",
  "soldStock", "startsAt", "status", "topPurchasers", "totalStock", "version",
  "kind", "releaseAt", "fulfillGraceSeconds", "pickupReminderSeconds",
].sort();

function expectPublicDropView(payload: Record<string, unknown>) {
  expect(Object.keys(payload).sort()).toEqual(PUBLIC_DROP_KEYS);
  expect(payload).toMatchObject({
    id: expect.any(String),
    price: expect.stringMatching(/^\d+\.\d{2}$/),
    totalStock: expect.any(Number),
    availableStock: expect.any(Number),
    version: expect.any(Number),
    topPurchasers: expect.any(Array),
  });
  expect(payload).not.toHaveProperty("myReservation");
  expect(payload).not.toHaveProperty("myPurchasedQuantity");
}

const stockOf = (view: Record<string, unknown>) => ({
  dropId: view.id,
  availableStock: view.availableStock,
  heldStock: view.heldStock,
  soldStock: view.soldStock,
  status: view.status,
  version: view.version,
  // The database's time of the change: a real instant with milliseconds, not the time it was sent.
  committedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
});

const isStrictlyIncreasing = (numbers: number[]) => numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);

describe("Socket.IO events", () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  const connect = async (token?: string) => {
    const socket = await connectSocket(server.url, token);
    sockets.push(socket);
    return socket;
  };
  const dropView = async (id: string) => ok(await server.api.getDrop(id));

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(() => server?.stop());

  it("when many shoppers hold and cancel at once, stockUpdated versions only grow and the last one is the drop's final state", async () => {
    const drop = await server.api.createDrop({ totalStock: 15, maxPerUser: 1 });
    const shoppers = await Promise.all(Array.from({ length: 40 }, (_, i) => server.api.shopper(`churn${i}`)));
    const socket = await connect();
    const stock = record(socket, "stockUpdated");

    await Promise.all(
      shoppers.map(async (shopper, i) => {
        for (let round = 0; round < 3; round++) {
          const hold = await server.api.reserve(shopper.token, drop.id);
          if (hold.status !== 201) continue;
          if (i % 10 === 0 && round === 2) await server.api.purchase(shopper.token, ok(hold).reservation.id);
          else await server.api.cancelReservation(shopper.token, ok(hold).reservation.id);
        }
      }),
    );

    const final = await dropView(drop.id);
    expect(final.version).toBeGreaterThan(20);
    await stock.until((heard) => heard.some((h) => h.payload.dropId === drop.id && h.payload.version >= final.version));
    // A barrier: anything emitted before this unrelated event has arrived by the time it does.
    const barrier = waitForEvent(socket, "dropCreated", (d) => d.name === "barrier after churn");
    await server.api.createDrop({ name: "barrier after churn" });
    await barrier;

    const ours = stock.heard.filter((h) => h.payload.dropId === drop.id).map((h) => h.payload);
    expect(isStrictlyIncreasing(ours.map((p) => p.version)), `versions ${ours.map((p) => p.version).join(",")}`).toBe(true);
    expect(ours.at(-1)).toEqual(stockOf(final));
  });

  it("when a client misses changes while disconnected, a refetch of GET /api/drops on reconnect shows the current state and live updates resume", async () => {
    const drop = await server.api.createDrop({ totalStock: 10, maxPerUser: 2 });
    const [early, late, buyer] = await Promise.all([server.api.shopper("early"), server.api.shopper("late"), server.api.shopper("buyer")]);
    const socket = await connect();
    const stock = record(socket, "stockUpdated");

    await server.api.reserve(early.token, drop.id);
    await stock.until((heard) => heard.some((h) => h.payload.dropId === drop.id && h.payload.heldStock === 1));
    const lastSeenVersion = stock.heard.filter((h) => h.payload.dropId === drop.id).at(-1)!.payload.version;

    socket.disconnect();
    const lateHold = ok(await server.api.reserve(late.token, drop.id, 2)).reservation;
    const hold = await server.api.reserve(buyer.token, drop.id);
    await server.api.purchase(buyer.token, ok(hold).reservation.id);
    await server.api.updateDrop(drop.id, { totalStock: 8 });

    const reconnected = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.connect();
    await reconnected;
    const refetched = await server.api.listDrops();

    const seen = ok(refetched).drops.find((d) => d.id === drop.id)!;
    expect(seen).toEqual(await dropView(drop.id));
    expect(seen).toMatchObject({ totalStock: 8, heldStock: 3, soldStock: 1, availableStock: 4, status: "live" });
    expect(seen.version).toBeGreaterThan(lastSeenVersion);

    // Listen before acting: the event can arrive before the HTTP answer does.
    const next = waitForEvent(socket, "stockUpdated", (p) => p.dropId === drop.id && p.version > seen.version);
    await server.api.cancelReservation(late.token, lateHold.id);
    const live = await next;
    expect(live.payload).toMatchObject({ heldStock: 1, soldStock: 1, availableStock: 6 });
  });

  it("a shopper's own socket hears its hold's updates and expiry, while other shoppers, anonymous and bad-token sockets hear none of it", async () => {
    const drop = await server.api.createDrop({ totalStock: 5, maxPerUser: 1, holdSeconds: 10 });
    const [owner, other] = await Promise.all([server.api.shopper("owner"), server.api.shopper("other")]);
    const [prefix, id, username] = owner.token.split(".");
    const forged = `${prefix}.${id}.${username}.${"A".repeat(43)}`;
    const ownerSocket = await connect(owner.token);
    const listeners = { other: await connect(other.token), anonymous: await connect(), forged: await connect(forged), garbage: await connect("garbage") };
    const ownerUpdates = record(ownerSocket, "reservationUpdated");
    const ownerExpired = record(ownerSocket, "reservationExpired");
    const privateHeard = Object.fromEntries(
      Object.entries(listeners).map(([name, socket]) => [name, { updated: record(socket, "reservationUpdated"), expired: record(socket, "reservationExpired") }]),
    );
    const forgedHearsStock = waitForEvent(listeners.forged, "stockUpdated", (p) => p.dropId === drop.id && p.heldStock === 1);

    const taken = await server.api.reserve(owner.token, drop.id);
    expect(taken.status).toBe(201);
    const hold = ok(taken).reservation;
    // The other shopper's own hold, taken and let go, so its private room is not silent.
    const othersHold = ok(await server.api.reserve(other.token, drop.id)).reservation;
    await server.api.cancelReservation(other.token, othersHold.id);

    await ownerUpdates.until((heard) => heard.some((h) => h.payload.reservation.id === hold.id && h.payload.reservation.status === "active"));
    await forgedHearsStock;
    await ownerExpired.until((heard) => heard.some((h) => h.payload.reservationId === hold.id), 15_000);
    await ownerUpdates.until((heard) => heard.some((h) => h.payload.reservation.id === hold.id && h.payload.reservation.status === "expired"));

    const expiredAt = ownerExpired.heard.find((h) => h.payload.reservationId === hold.id)!;
    expect(expiredAt.payload).toEqual({ reservationId: hold.id, dropId: drop.id });
    expect(expiredAt.at - Date.parse(hold.expiresAt)).toBeLessThanOrEqual(1_500);
    expect(ownerUpdates.heard.every((h) => h.payload.reservation.id === hold.id)).toBe(true);

    // A public event emitted after everything above is a barrier: a leaked private event would have arrived first.
    const barriers = Object.values(listeners).map((socket) => waitForEvent(socket, "dropUpdated", (d) => d.id === drop.id && d.name === "after expiry"));
    await server.api.updateDrop(drop.id, { name: "after expiry" });
    await Promise.all(barriers);

    expect(privateHeard.other!.updated.heard.map((h) => [h.payload.reservation.id, h.payload.reservation.status])).toEqual([
      [othersHold.id, "active"],
      [othersHold.id, "cancelled"],
    ]);
    expect(privateHeard.other!.expired.heard).toEqual([]);
    for (const name of ["anonymous", "forged", "garbage"]) {
      expect(privateHeard[name]!.updated.heard, name).toEqual([]);
      expect(privateHeard[name]!.expired.heard, name).toEqual([]);
    }
  });

  it("dropCreated and dropUpdated reach every socket as a public DropView, without my* fields even for a shopper with a hold", async () => {
    const shopper = await server.api.shopper("watcher");
    const anonymous = await connect();
    const signedIn = await connect(shopper.token);
    const name = `Fresh drop ${Date.now()}`;
    const created = [anonymous, signedIn].map((socket) => waitForEvent(socket, "dropCreated", (d) => d.name === name));

    const drop = await server.api.createDrop({ name, price: 49.5, totalStock: 7, maxPerUser: 2 });

    for (const { payload } of await Promise.all(created)) {
      expectPublicDropView(payload);
      expect(payload).toEqual(drop);
      expect(payload).toMatchObject({ price: "49.50", totalStock: 7, availableStock: 7, status: "live" });
    }

    await server.api.reserve(shopper.token, drop.id, 2);
    const updated = [anonymous, signedIn].map((socket) => waitForEvent(socket, "dropUpdated", (d) => d.id === drop.id));
    const patched = await server.api.updateDrop(drop.id, { name: "Renamed", totalStock: 9 });
    expect(patched.status).toBe(200);

    for (const { payload } of await Promise.all(updated)) {
      expectPublicDropView(payload);
      expect(payload).toEqual(patched.body);
      expect(payload).toMatchObject({ name: "Renamed", totalStock: 9, heldStock: 2, availableStock: 7 });
      expect(payload.version).toBeGreaterThan(drop.version);
    }
  });

  describe("under a burst of 100 concurrent holds on one drop", () => {
    let shoppers: { token: string }[];
    beforeAll(async () => {
      shoppers = await Promise.all(Array.from({ length: 100 }, (_, i) => server.api.shopper(`burst${i}`)));
    });

    it.each([1, 2, 3])("burst %i: stockUpdated is coalesced (about 20 a second at most) and the final state arrives within 250 ms", async () => {
      const drop = await server.api.createDrop({ totalStock: 100, maxPerUser: 1 });
      const socket = await connect();
      const stock = record(socket, "stockUpdated");

      let lastAnswerAt = 0;
      const answers = await Promise.all(
        shoppers.map(async (shopper) => {
          const answer = await server.api.reserve(shopper.token, drop.id);
          lastAnswerAt = Math.max(lastAnswerAt, Date.now());
          return answer;
        }),
      );
      expect(answers.every((a) => a.status === 201)).toBe(true);

      const final = await dropView(drop.id);
      expect(final).toMatchObject({ heldStock: 100, availableStock: 0, status: "sold_out" });
      await stock.until((heard) => heard.some((h) => h.payload.dropId === drop.id && h.payload.version === final.version));

      const ours = stock.heard.filter((h) => h.payload.dropId === drop.id);
      const finalEvent = ours.find((h) => h.payload.version === final.version)!;
      expect(finalEvent.payload).toEqual(stockOf(final));
      expect(finalEvent.at - lastAnswerAt).toBeLessThanOrEqual(250);
      expect(isStrictlyIncreasing(ours.map((h) => h.payload.version))).toBe(true);

      // Sends are at least 50 ms apart; arrival jitter may bunch two or three together, never a flood.
      const busiestWindow = Math.max(...ours.map((h) => ours.filter((o) => o.at >= h.at && o.at < h.at + 50).length));
      expect(busiestWindow).toBeLessThanOrEqual(3);
      const spanSeconds = (ours.at(-1)!.at - ours[0]!.at) / 1000;
      expect(ours.length, `${ours.length} events over ${spanSeconds}s`).toBeLessThanOrEqual(Math.ceil(20 * spanSeconds) + 3);
      expect(ours.length).toBeLessThan(100);
    });
  });
});
