import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../server/test/server.js";
import { describeInBrowser, dropCard, launchBrowser, newShopperContext, uniqueName, waitForLive } from "./support/browser.js";

/**
 * `npm start` and open http://<the machine's address>:3001/ from a phone on the same network: plain
 * HTTP on a host that is not localhost, so the page's origin is not "potentially trustworthy" and
 * nothing upgrades or excuses it. Chromium reaches the test server under the name dropline.test.
 */
const HOST = "dropline.test";

describeInBrowser("the shop over plain HTTP on a host other than localhost", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer({ SERVE_CLIENT: "true" }),
      launchBrowser([`--host-resolver-rules=MAP ${HOST} 127.0.0.1`]),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("loads its scripts and styles, signs a shopper in and shows the live drops", async () => {
    const drop = await server.api.createDrop({ name: "Plain HTTP drop" });
    const context = await newShopperContext(browser);
    try {
      const failed: string[] = [];
      context.on("requestfailed", (request) => failed.push(`${request.url()} ${request.failure()?.errorText ?? ""}`));
      const origin = `http://${HOST}:${server.port}`;
      const page = await context.newPage();
      await page.goto(origin, { waitUntil: "load" });
      expect(new URL(page.url()).origin).toBe(origin);
      expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
      // The blank page: every /assets/ request went to https:// and failed (ERR_SSL_PROTOCOL_ERROR).
      expect(failed).toEqual([]);
      const username = uniqueName("lan");
      await page.getByLabel("Username").fill(username);
      await page.getByRole("button", { name: "Start shopping" }).click();
      await page.getByTestId("username").filter({ hasText: username }).waitFor();
      // The socket too stays on plain ws:// and connects.
      await waitForLive(page);
      await dropCard(page, drop.name).waitFor();
      expect(failed).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
