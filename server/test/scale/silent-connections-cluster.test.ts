import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../database.js";
import { spawnServer, type ServerProcess } from "../process.js";
import { testEnv } from "../server.js";

/** With WEB_CONCURRENCY > 1 the primary accepts every connection, and must not keep the silent ones either. */
describe("WEB_CONCURRENCY=2: a connection that sends nothing", () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = spawnServer({
      ...process.env,
      ...testEnv({ DATABASE_URL: db.url, LOG_LEVEL: "info", WEB_CONCURRENCY: "2", HTTP_FIRST_REQUEST_TIMEOUT_MS: "500", HTTP_HEADERS_TIMEOUT_MS: "30000" }),
    });
    url = await server.url;
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
    await db?.drop();
  });

  it("is closed by the primary after HTTP_FIRST_REQUEST_TIMEOUT_MS, while requests still go through", async () => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise((resolve) => socket.once("close", resolve)),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("still open after 10000 ms")), 10_000))),
    ]).finally(() => clearTimeout(timer));
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    const health = await fetch(`${url}/api/health`);
    expect(await health.json()).toEqual({ ok: true });
  });
});
