import { createServer, type Server } from "node:http";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../test/server.js";
import { createApp } from "./app.js";

describe("the built client's files", () => {
  let server: TestServer;
  let site: Server;
  let base: string;
  let clientDir: string;
  const script = `console.log(${JSON.stringify("drop ".repeat(2000))});`;

  beforeAll(async () => {
    server = await startTestServer();
    // A client build as Vite writes it, with the .br and .gz files the build adds beside each asset.
    clientDir = await mkdtemp(path.join(tmpdir(), "dropline-client-"));
    await mkdir(path.join(clientDir, "assets"));
    await writeFile(path.join(clientDir, "index.html"), '<!doctype html><script type="module" src="/assets/index-AbC123.js"></script>');
    await writeFile(path.join(clientDir, "assets", "index-AbC123.js"), script);
    await writeFile(path.join(clientDir, "assets", "index-AbC123.js.br"), brotliCompressSync(script));
    await writeFile(path.join(clientDir, "assets", "index-AbC123.js.gz"), gzipSync(script));
    const app = createApp({ config: server.config, services: server.services, secrets: server.secrets, isReady: async () => true, clientDir });
    site = createServer(app);
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => site?.close(resolve));
    await server?.stop();
    if (clientDir) await rm(clientDir, { recursive: true, force: true });
  });

  it.each([
    ["br, gzip", "br"],
    ["gzip", "gzip"],
  ])("serve hashed assets precompressed (Accept-Encoding: %s) and cached as immutable", async (accept, encoding) => {
    const response = await fetch(`${base}/assets/index-AbC123.js`, { headers: { "accept-encoding": accept } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-encoding")).toBe(encoding);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await response.text()).toBe(script); // fetch decodes: the right file behind the encoding
  });

  it("serve the plain file to a client that accepts no compression", async () => {
    const response = await fetch(`${base}/assets/index-AbC123.js`, { headers: { "accept-encoding": "identity" } });
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(await response.text()).toBe(script);
  });

  it("keep the page itself revalidated, so a deploy reaches every browser", async () => {
    for (const page of ["/", "/admin"]) {
      const response = await fetch(`${base}${page}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-cache");
    }
  });

  it("answer a missing asset with a JSON 404, not the page", async () => {
    const response = await fetch(`${base}/assets/missing-123.js`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "NOT_FOUND" });
  });
});
