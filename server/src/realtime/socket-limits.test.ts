import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSocket, startTestServer, type TestServer, type TestSocket } from "../../test/server.js";
import { MAX_CLIENT_MESSAGE_BYTES } from "./io.js";

/** Resolves with the connect error's message, or rejects if the socket connects. */
function refusal(url: string): Promise<string> {
  const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => {
      socket.close();
      reject(new Error("connected although over the cap"));
    });
    socket.once("connect_error", (error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

describe("Socket.IO limits", () => {
  let server: TestServer;
  const open: TestSocket[] = [];
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMITS: "on", SOCKET_CONNECTIONS_PER_IP: "3" });
  });
  afterAll(async () => {
    for (const socket of open) socket.close();
    await server?.stop();
  });

  it("refuse a connection over the per-address cap, and take one again once a slot frees", async () => {
    for (let i = 0; i < 3; i++) open.push(await connectSocket(server.url));
    // Over WebSocket the refusal is a 403 on the upgrade, which the client reports as a websocket error.
    expect(await refusal(server.url)).toBe("websocket error");
    expect(server.realtime.io.engine.clientsCount).toBe(3);

    const leaving = open.pop()!;
    leaving.close();
    await expect.poll(() => server.realtime.io.engine.clientsCount, { timeout: 5_000 }).toBe(2);
    open.push(await connectSocket(server.url));
    expect(server.realtime.io.engine.clientsCount).toBe(3);
  });

  it("cut off a client that sends more than a few kilobytes", async () => {
    for (const socket of open.splice(0)) socket.close();
    await expect.poll(() => server.realtime.io.engine.clientsCount, { timeout: 5_000 }).toBe(0);
    const socket = await connectSocket(server.url);
    const reason = new Promise<string>((resolve) => socket.once("disconnect", resolve));
    (socket as unknown as { emit(event: string, payload: string): void }).emit("watch", "x".repeat(MAX_CLIENT_MESSAGE_BYTES + 1));
    expect(await reason).toBe("transport close");
  });
});
