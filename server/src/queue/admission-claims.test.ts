import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionResponse } from "../sessions/sessions.schemas.js";
import { checkStock } from "../../test/database.js";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer, type TestSocket } from "../../test/server.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/** A shopper let in finds a unit: each admission counts for up to maxPerUser units. */
describe.concurrent("who a waiting room lets in", () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    server = await startTestServer({ QUEUE_TICK_MS: "50" });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.stop();
  });

  /**
   * Shoppers in the pre-queue of a drop starting shortly, each with a socket; the rate lets everyone in at the draw if the
   * stock allowed it. The start leaves a loaded machine time for every join (about 0.1 s each), so all are drawn together.
   */
  const line = async (totalStock: number, maxPerUser: number, count: number) => {
    const drop = await server.api.createDrop({ totalStock, maxPerUser, startsAt: isoIn(4_000), queue: { admitPerSecond: 1000, admissionSeconds: 60 } });
    const shoppers: { shopper: SessionResponse; socket: TestSocket }[] = [];
    for (let i = 0; i < count; i++) {
      const shopper = await server.api.shopper("line");
      const socket = await connectSocket(server.url, shopper.token);
      sockets.push(socket);
      expect(ok(await server.api.joinQueue(shopper.token, drop.id), 201).status).toBe("pre_queue");
      shoppers.push({ shopper, socket });
    }
    return { drop, shoppers };
  };
  const admitted = async (dropId: string) =>
    (await server.db.pool.query<{ user_id: string }>(`SELECT user_id::text FROM queue_entries WHERE drop_id = $1::uuid AND status = 'admitted'`, [dropId])).rows.map(
      (r) => r.user_id,
    );
  const firstAdmission = (dropId: string, shoppers: { socket: TestSocket }[]) =>
    Promise.any(shoppers.map(({ socket }, index) => waitForEvent(socket, "queueAdmitted", (event) => event.dropId === dropId, 10_000).then(() => index)));

  it("2 units at 2 per shopper: one shopper is let in, who holds both; the other is let in only when they come back", async ({ expect }) => {
    const { drop, shoppers } = await line(2, 2, 2);
    const first = await firstAdmission(drop.id, shoppers);
    const [inside, outside] = first === 0 ? shoppers : [shoppers[1]!, shoppers[0]!];
    expect(await admitted(drop.id)).toEqual([inside!.shopper.user.id]);

    const hold = ok(await server.api.reserve(inside!.shopper.token, drop.id, 2), 201).reservation;
    // Not let in while both units are held (the line pauses): nobody is admitted to find nothing.
    expect(ok(await server.api.queueEntry(outside!.shopper.token, drop.id)).status).toBe("waiting");
    expect(await admitted(drop.id)).toEqual([]);

    const turn = waitForEvent(outside!.socket, "queueAdmitted", (event) => event.dropId === drop.id, 10_000);
    ok(await server.api.cancelReservation(inside!.shopper.token, hold.id));
    await turn;
    expect(ok(await server.api.reserve(outside!.shopper.token, drop.id, 2), 201).reservation.quantity).toBe(2);
    const stock = await checkStock(server.db.pool, drop.id);
    expect(stock).toMatchObject({ heldStock: 2, activeHoldUnits: 2 });
  });

  it("3 units at 2 per shopper: two are let in (the second finds at least one unit), the third waits", async ({ expect }) => {
    const { drop, shoppers } = await line(3, 2, 3);
    await firstAdmission(drop.id, shoppers);
    const inside = await admitted(drop.id);
    expect(inside).toHaveLength(2);
    const [a, b] = shoppers.filter(({ shopper }) => inside.includes(shopper.user.id));
    ok(await server.api.reserve(a!.shopper.token, drop.id, 2), 201);
    expect(ok(await server.api.reserve(b!.shopper.token, drop.id, 1), 201).reservation.quantity).toBe(1);
    const waiting = shoppers.find(({ shopper }) => !inside.includes(shopper.user.id))!;
    expect(ok(await server.api.queueEntry(waiting.shopper.token, drop.id)).status).toBe("waiting");
  });
});
