import { io, type Socket } from "socket.io-client";
import { loadConfig } from "../src/config.js";
import { setLogLevel } from "../src/log.js";
import type { ClientToServerEvents, ServerToClientEvents } from "../src/realtime/events.js";
import { startServer, type RunningServer, type StartOptions } from "../src/server.js";
import { ApiClient } from "./api-client.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { testEnv } from "./env.js";

export { ADMIN_TOKEN, SESSION_SECRET, testEnv } from "./env.js";
export { ApiClient, errorBodySchema, ok, type Answer, type ApiResponse, type ErrorBody, type SomeAnswer } from "./api-client.js";

export interface TestServer extends RunningServer {
  db: TestDatabase;
  api: ApiClient;
  stop(): Promise<void>;
}

/** The real server, in-process on port 0, on a database of its own; `env` overrides the test defaults (`testEnv`). */
export async function startTestServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestServer> {
  setLogLevel("silent");
  const db = await createTestDatabase();
  const config = loadConfig(testEnv({ DATABASE_URL: db.url, ...env }));
  const server = await startServer(config, { skipMigrations: true, ...options });
  return {
    ...server,
    db,
    api: new ApiClient(server.url),
    async stop() {
      await server.close();
      await db.drop();
    },
  };
}

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real socket.io-client, resolved once connected. */
export async function connectSocket(url: string, token?: string): Promise<TestSocket> {
  const socket: TestSocket = io(url, { transports: ["websocket"], auth: token ? { token } : {}, reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** Resolves with the first matching event and the time it arrived; rejects after `timeoutMs`. */
export function waitForEvent<E extends keyof ServerToClientEvents>(
  socket: TestSocket,
  event: E,
  predicate: (payload: Payload<E>) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<{ payload: Payload<E>; at: number }> {
  // socket.io's typed `on` cannot take a listener for an event name that is itself generic;
  // the untyped view takes it, and the payload's type is still checked at the call site.
  const events = socket as unknown as Socket;
  const name: string = event;
  return new Promise((resolve, reject) => {
    const handler = (payload: Payload<E>) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      events.off(name, handler);
      resolve({ payload, at: Date.now() });
    };
    const timer = setTimeout(() => {
      events.off(name, handler);
      reject(new Error(`no ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    events.on(name, handler);
  });
}
