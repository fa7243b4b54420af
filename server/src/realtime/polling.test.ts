import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, waitForEvent, type TestServer, type TestSocket } from "../../test/server.js";

describe("Socket.IO over HTTP long-polling (networks that block WebSockets)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it("connects, receives live events, and the server keeps serving", async () => {
    const socket: TestSocket = io(server.url, { transports: ["polling"], reconnection: false, forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      });
      expect(socket.io.engine.transport.name).toBe("polling");
      const created = waitForEvent(socket, "dropCreated", (d) => d.name === "Polled drop");
      await server.api.createDrop({ name: "Polled drop" });
      expect((await created).payload.name).toBe("Polled drop");
    } finally {
      socket.close();
    }
    expect((await server.api.call("GET", "/api/health")).status).toBe(200);
  });

  it("answers a raw polling POST once, by Socket.IO, and not again by the API", async () => {
    const open = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    const sid = JSON.parse((await open.text()).slice(1)).sid as string;
    const post = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "40" });
    expect(post.status).toBe(200);
    expect(await post.text()).toBe("ok");
    expect((await server.api.call("GET", "/api/health")).status).toBe(200);
  });
});
