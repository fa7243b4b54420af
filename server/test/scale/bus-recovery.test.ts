import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSocket, startTestServer, waitForEvent, type TestServer } from "../server.js";

describe("the bus between processes is lossy", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SOCKET_ADAPTER: "postgres" });
  });
  afterAll(() => server?.stop());

  it("after its connection drops, the process re-announces live drops, so a change it missed still reaches its sockets", async () => {
    const drop = await server.api.createDrop({ totalStock: 5 });
    const socket = await connectSocket(server.url);
    try {
      // The bus goes down (a database failover, a network blip) ...
      const { rowCount } = await server.db.pool.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'dropline-bus'",
      );
      expect(rowCount).toBeGreaterThan(0);
      // ... and meanwhile another instance takes a hold: this process is never told.
      const userId = randomUUID();
      await server.db.pool.query("INSERT INTO users (id, username, username_key) VALUES ($1, $2, $2)", [userId, `missed_${userId.slice(0, 8)}`]);
      const heard = waitForEvent(socket, "stockUpdated", (update) => update.dropId === drop.id && update.heldStock === 1, 10_000);
      await server.db.pool.query("SELECT * FROM dropline_take_hold($1, $2, 1)", [drop.id, userId]);
      // The re-announce after the bus reconnects brings the browser up to date.
      const { payload } = await heard;
      expect(payload).toMatchObject({ availableStock: 4, version: drop.version + 1 });
    } finally {
      socket.close();
    }
  });
});
