import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../server/test/server.js";
import {
  describeInBrowser,
  dropCard,
  expectStock,
  launchBrowser,
  newShopperContext,
  openAsShopper,
  outcome,
  repoRoot,
  screenshot,
  uniqueName,
} from "./support/browser.js";
import { startStaticServer } from "./support/static-server.js";

/** `vite build` of the client into `outDir` with the split-deploy variables baked in. */
function buildClient(outDir: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, "node_modules", "vite", "bin", "vite.js"), "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], {
      cwd: path.join(repoRoot, "client"),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (${code}):\n${output}`))));
  });
}

describeInBrowser("split deployment: client and server on different origins", () => {
  let server: TestServer;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof startStaticServer>>;
  let outDir: string;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), "dropline-split-"));
    // The client's origin must be known before the server starts (CORS_ORIGIN), so the site comes first.
    site = await startStaticServer(outDir);
    [server, browser] = await Promise.all([startTestServer({ CORS_ORIGIN: site.origin }), launchBrowser()]);
    await buildClient(outDir, { VITE_API_URL: server.url, VITE_SOCKET_URL: server.url });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await site?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it("bakes the server URL into the build", async () => {
    const assets = await readdir(path.join(outDir, "assets"));
    const js = await Promise.all(assets.filter((file) => file.endsWith(".js")).map((file) => readFile(path.join(outDir, "assets", file), "utf8")));
    expect(js.join("\n")).toContain(server.url);
  });

  it("works against the server on another origin over HTTP and Socket.IO", async () => {
    const drop = await server.api.createDrop({ name: uniqueName("Far Away"), price: "75.00", totalStock: 4, holdSeconds: 60 });
    const context = await newShopperContext(browser);
    // Where API calls and the socket actually went (host:port; the socket's URL is ws://).
    const apiHosts = new Set<string>();
    const socketHosts = new Set<string>();
    context.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith("/api/")) apiHosts.add(url.host);
    });
    context.on("page", (page) => page.on("websocket", (socket) => socketHosts.add(new URL(socket.url()).host)));

    const page = await openAsShopper(context, site.origin, uniqueName("gina"));
    expect(new URL(page.url()).origin).toBe(site.origin);
    const card = dropCard(page, drop.name);
    await expectStock(card, { available: 4, held: 0, sold: 0 });

    // A change made by someone else arrives over the cross-origin socket.
    const other = await server.api.shopper("remote");
    expect((await server.api.reserve(other.token, drop.id)).status).toBe(201);
    await expectStock(card, { available: 3, held: 1, sold: 0 });

    await card.getByRole("button", { name: "Reserve" }).click();
    await card.getByTestId("hold-panel").waitFor();
    await card.getByRole("button", { name: "Complete purchase" }).click();
    await outcome(card, "purchased").waitFor();
    await expectStock(card, { available: 2, held: 1, sold: 1 });
    await screenshot(page, "split-origin-purchased");

    const serverHost = new URL(server.url).host;
    expect([...apiHosts]).toEqual([serverHost]);
    expect([...socketHosts]).toEqual([serverHost]);
    expect(serverHost).not.toBe(new URL(site.origin).host);
    await context.close();
  });
});
