import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startTestServer, type TestServer } from "../../../server/test/server.js";
import { launchBrowser, newShopperContext, openAsShopper, uniqueName } from "./browser.js";

export interface Shopper {
  context: BrowserContext;
  page: Page;
  username: string;
}

/**
 * Inside a describe: one real server (serving client/dist) and one Chromium for
 * the file, a fresh browser context per shopper so nobody shares storage.
 */
export function browserSuite(env: Record<string, string> = {}) {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ SERVE_CLIENT: "true", ...env }), launchBrowser()]);
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await server?.stop();
  });

  const suite = {
    get server(): TestServer {
      if (!server) throw new Error("the server did not start");
      return server;
    },
    async context(options: { phone?: boolean } = {}): Promise<BrowserContext> {
      if (!browser) throw new Error("the browser did not start");
      const context = await newShopperContext(browser, options);
      contexts.push(context);
      return context;
    },
    /** A new shopper in their own context, signed in through the form. */
    async shopper(name: string, options: { phone?: boolean; context?: BrowserContext } = {}): Promise<Shopper> {
      const context = options.context ?? (await suite.context(options));
      const username = uniqueName(name);
      return { context, username, page: await openAsShopper(context, suite.server.url, username) };
    },
  };
  return suite;
}
