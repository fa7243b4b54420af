import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type WebSocketRoute } from "playwright-core";
import { describe, expect } from "vitest";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const clientDist = path.join(repoRoot, "client", "dist");
const screenshotDir = path.join(repoRoot, "test-results", "screenshots");

const inCI = Boolean(process.env.CI) && process.env.CI !== "false" && process.env.CI !== "0";

/** Debian's Chromium (STACK.md); `npx playwright install` cannot download browsers here. */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((candidate): candidate is string => Boolean(candidate) && existsSync(candidate!));
}

const chromiumPath = findChromium();
if (!chromiumPath) {
  // In CI a missing browser is a broken setup, never a quiet skip.
  if (inCI) throw new Error("No Chromium at /usr/bin/chromium: CI must install it (apt-get install -y chromium) before the browser tests.");
  console.warn("Skipping the browser tests: no Chromium found. Install it with `apt-get install chromium` (or set CHROMIUM_PATH).");
}

/** `describe` when a browser is available, `describe.skip` (with the warning above) when not. */
export const describeInBrowser = chromiumPath ? describe : describe.skip;

/** `extraArgs`: more Chromium flags (e.g. `--host-resolver-rules` to reach the server under another name). */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(path.join(clientDist, "index.html"))) {
    throw new Error("client/dist is missing: build the client first (`npm run build -w client`, or `npm test`, which does it).");
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

/** A phone-sized or desktop context; every page's uncaught errors fail loudly in the log. */
export async function newShopperContext(browser: Browser, options: { phone?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext(
    options.phone ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true } : { viewport: { width: 1100, height: 900 } },
  );
  context.on("page", (page) => page.on("pageerror", (error) => console.error(`[browser] ${error.message}`)));
  return context;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const uniqueName = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 8)}`;

/** Opens the shop and claims a username through the form. */
export async function openAsShopper(context: BrowserContext, baseUrl: string, username: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(baseUrl);
  await page.getByLabel("Username").fill(username);
  await page.getByRole("button", { name: "Start shopping" }).click();
  await page.getByTestId("username").filter({ hasText: username }).waitFor();
  await waitForLive(page);
  return page;
}

/** The socket is connected (the indicator says "Live"). */
export const waitForLive = (page: Page) => page.locator('[data-testid="connection"][data-state="live"]').waitFor();

/** The card of the drop with this exact name. */
export const dropCard = (page: Page, name: string): Locator =>
  page.getByTestId("drop-card").filter({ has: page.getByRole("heading", { name, exact: true }) });

/** Polls a locator's text until it equals `expected` (events arrive asynchronously). */
export async function expectText(locator: Locator, expected: string, timeout = 5_000): Promise<void> {
  await expect.poll(async () => (await locator.textContent())?.trim(), { timeout, interval: 50 }).toBe(expected);
}

export async function expectStock(card: Locator, stock: { available: number; held: number; sold: number }, timeout = 5_000) {
  await expectText(card.getByTestId("stock-available"), String(stock.available), timeout);
  await expectText(card.getByTestId("stock-held"), String(stock.held), timeout);
  await expectText(card.getByTestId("stock-sold"), String(stock.sold), timeout);
}

export const outcome = (card: Locator, kind: string) => card.locator(`[data-testid="outcome"][data-kind="${kind}"]`);

/**
 * Every Socket.IO socket of the context goes through here, so a test can cut
 * the page's line (`cut`: open sockets closed, new ones refused) and give it
 * back (`restore`), to see what the page does while reconnecting.
 */
export async function socketSwitch(context: BrowserContext): Promise<{ cut(): Promise<void>; restore(): void }> {
  let offline = false;
  const sockets: WebSocketRoute[] = [];
  await context.routeWebSocket(/\/socket\.io\//, (socket) => {
    if (offline) return socket.close();
    socket.connectToServer();
    sockets.push(socket);
  });
  return {
    async cut() {
      offline = true;
      await Promise.all(sockets.splice(0).map((socket) => socket.close()));
    },
    restore() {
      offline = false;
    },
  };
}
