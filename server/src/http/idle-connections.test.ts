import { connect, type Socket } from "node:net";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSocket, startTestServer, waitForEvent, type TestServer, type TestSocket } from "../../test/server.js";

const FIRST_REQUEST_MS = 500;
const KEEP_ALIVE_MS = 2_000;

/** A raw TCP connection: what the server sent so far, and when (Date.now()) it opened and closed. */
interface Raw {
  socket: Socket;
  opened: number;
  received(): string;
  /** Resolves with the next complete answer (headers and a Content-Length body) and when it arrived. */
  answer(): Promise<{ head: string; body: string; at: number }>;
  closed: Promise<number>;
}

function openRaw(url: string, first?: string): Raw {
  const { hostname, port } = new URL(url);
  const opened = Date.now();
  const socket = connect(Number(port), hostname, () => {
    if (first !== undefined) socket.write(first);
  });
  let received = "";
  const waiting: Array<() => void> = [];
  const wakeAll = () => waiting.splice(0).forEach((wake) => wake());
  socket.on("data", (chunk) => {
    received += chunk.toString("latin1");
    wakeAll();
  });
  // A reset is a close too; the close event below is what the tests wait for.
  socket.on("error", () => undefined);
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => {
      resolve(Date.now());
      wakeAll();
    }),
  );
  let consumed = 0;
  const answer = () =>
    new Promise<{ head: string; body: string; at: number }>((resolve, reject) => {
      const check = () => {
        const rest = received.slice(consumed);
        const end = rest.indexOf("\r\n\r\n");
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0);
        if (end >= 0 && rest.length >= end + 4 + length) {
          consumed += end + 4 + length;
          resolve({ head: rest.slice(0, end), body: rest.slice(end + 4, end + 4 + length), at: Date.now() });
          return;
        }
        if (socket.destroyed) reject(new Error(`closed before a whole answer: ${JSON.stringify(rest)}`));
        else waiting.push(check);
      };
      check();
    });
  return { socket, opened, received: () => received, answer, closed };
}

/** Fails the test, instead of hanging it, when the server leaves a connection open far past its limit. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const GET_HEALTH = "GET /api/health HTTP/1.1\r\nHost: dropline\r\nConnection: keep-alive\r\n\r\n";

describe("idle connections", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      HTTP_FIRST_REQUEST_TIMEOUT_MS: String(FIRST_REQUEST_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
      // Far longer than the two limits under test, so neither can pass for them.
      HTTP_HEADERS_TIMEOUT_MS: "30000",
      HTTP_REQUEST_TIMEOUT_MS: "60000",
    });
  });
  afterAll(() => server?.stop());

  /**
   * Resolves once the server has closed a connection that sent nothing and one left idle after an
   * answer, both opened now: from then on, both limits have passed for anything opened before.
   */
  async function bothLimitsPassed(): Promise<void> {
    const silent = openRaw(server.url);
    const idle = openRaw(server.url, GET_HEALTH);
    await idle.answer();
    await within(Promise.all([silent.closed, idle.closed]), 15_000, "a silent or idle companion connection");
  }

  it("closes connections that send nothing within HTTP_FIRST_REQUEST_TIMEOUT_MS, with a 408", async () => {
    const silent = Array.from({ length: 20 }, () => openRaw(server.url));
    const openFor = await within(Promise.all(silent.map(async (raw) => (await raw.closed) - raw.opened)), 10_000, "a connection that sent nothing");
    for (const raw of silent) expect(raw.received()).toMatch(/^HTTP\/1\.1 408 /);
    // Not before the limit (the server's clock starts after ours).
    expect(Math.min(...openFor)).toBeGreaterThanOrEqual(FIRST_REQUEST_MS - 10);
  });

  it("closes a keep-alive connection left idle past HTTP_KEEP_ALIVE_TIMEOUT_MS, as it announced", async () => {
    const raw = openRaw(server.url, GET_HEALTH);
    const first = await raw.answer();
    expect(first.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(first.head).toMatch(new RegExp(`\\r\\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}(\\r\\n|$)`, "i"));
    // A second request on the same connection, then silence.
    raw.socket.write(GET_HEALTH);
    const second = await raw.answer();
    expect(second.head).toMatch(/^HTTP\/1\.1 200 /);
    const closedAt = await within(raw.closed, 15_000, "an idle keep-alive connection");
    expect(raw.received()).not.toMatch(/ 408 /);
    // Left idle for at least the announced limit.
    expect(closedAt - second.at).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 10);
  });

  it("leaves a request whose headers trickle in past both limits alone", async () => {
    const raw = openRaw(server.url, "GET /api/health HTTP/1.1\r\n");
    await bothLimitsPassed();
    raw.socket.write("Host: dropline\r\n\r\n");
    const { head, body } = await raw.answer();
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(body)).toEqual({ ok: true });
    raw.socket.destroy();
  });

  it("leaves a request whose body arrives after both limits alone", async () => {
    const body = JSON.stringify({ username: "slow_body" });
    const raw = openRaw(server.url, `POST /api/sessions HTTP/1.1\r\nHost: dropline\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    await bothLimitsPassed();
    raw.socket.write(body);
    const answer = await raw.answer();
    expect(answer.head).toMatch(/^HTTP\/1\.1 201 /);
    expect(JSON.parse(answer.body).user.username).toBe("slow_body");
    raw.socket.destroy();
  });

  it.each([["websocket"], ["polling"]] as const)("keeps a Socket.IO connection over %s open past both limits", async (transport) => {
    const socket: TestSocket =
      transport === "websocket" ? await connectSocket(server.url) : io(server.url, { transports: ["polling"], reconnection: false, forceNew: true });
    try {
      if (!socket.connected) {
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", reject);
        });
      }
      let disconnected = "";
      socket.on("disconnect", (reason) => (disconnected = reason));
      await bothLimitsPassed();
      expect(disconnected).toBe("");
      expect(socket.io.engine.transport.name).toBe(transport);
      const created = waitForEvent(socket, "dropCreated", (drop) => drop.name === `Idle ${transport}`);
      await server.api.createDrop({ name: `Idle ${transport}` });
      expect((await created).payload.name).toBe(`Idle ${transport}`);
      expect(disconnected).toBe("");
    } finally {
      socket.close();
    }
  });
});
