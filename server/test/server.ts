import { io, type Socket } from "socket.io-client";
import { loadConfig } from "../src/config.js";
import { setLogLevel } from "../src/log.js";
import type { ClientToServerEvents, ServerToClientEvents } from "../src/realtime/events.js";
import { startServer, type RunningServer, type StartOptions } from "../src/server.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface TestServer extends RunningServer {
  db: TestDatabase;
  api: ApiClient;
  stop(): Promise<void>;
}

/** The real server, in-process on port 0, on a database of its own. */
export async function startTestServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestServer> {
  setLogLevel("silent");
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: db.url,
    PORT: "0",
    HOST: "127.0.0.1",
    ADMIN_TOKEN,
    SESSION_SECRET: "test-session-secret-0123456789",
    SEED_DEMO: "false",
    RATE_LIMITS: "off",
    SERVE_CLIENT: "false",
    DB_POOL_SIZE: "20",
    EXPIRY_SWEEP_MS: "250",
    ...env,
  });
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

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the test will say so.
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async shopper(prefix = "shopper"): Promise<{ token: string; user: { id: string; username: string } }> {
    const username = `${prefix}_${Math.random().toString(36).slice(2, 10)}`.slice(0, 32);
    const response = await this.call("POST", "/api/sessions", { body: { username } });
    if (response.status !== 201) throw new Error(`session failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async createDrop(fields: Record<string, unknown> = {}): Promise<any> {
    const response = await this.call("POST", "/api/drops", {
      token: ADMIN_TOKEN,
      body: { name: "Test drop", price: "100.00", totalStock: 10, ...fields },
    });
    if (response.status !== 201) throw new Error(`create drop failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  reserve(token: string, dropId: string, quantity?: number) {
    return this.call("POST", "/api/reservations", { token, body: quantity === undefined ? { dropId } : { dropId, quantity } });
  }

  purchase(token: string, reservationId: string) {
    return this.call("POST", "/api/purchases", { token, body: { reservationId } });
  }
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

/** Resolves with the first matching event and the time it arrived; rejects after `timeoutMs`. */
export function waitForEvent<E extends keyof ServerToClientEvents>(
  socket: TestSocket,
  event: E,
  predicate: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<{ payload: Parameters<ServerToClientEvents[E]>[0]; at: number }> {
  return new Promise((resolve, reject) => {
    const handler = (payload: any) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler as any);
      resolve({ payload, at: Date.now() });
    };
    const timer = setTimeout(() => {
      socket.off(event, handler as any);
      reject(new Error(`no ${String(event)} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, handler as any);
  });
}
