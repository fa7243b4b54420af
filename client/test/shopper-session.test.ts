import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { ok } from "../../server/test/server.js";
import { describeInBrowser, dropCard, expectStock, expectText, openAsShopper, outcome, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

const SESSION_KEY = "dropline.session";

/** Presses Tab until `target` has focus: proof it is reachable by keyboard alone. */
async function tabTo(page: Page, target: Locator, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`not reachable with ${maxPresses} Tab presses`);
}

const isFocused = (target: Locator) => target.evaluate((element) => element === document.activeElement);

describeInBrowser("sessions, reloads and keyboard use", () => {
  const suite = browserSuite();

  it("a taken username gets a clear message, and a token the server refuses is dropped", async () => {
    const first = await suite.shopper("zoe");
    const page = await (await suite.context()).newPage();
    await page.goto(suite.server.url);
    await page.getByLabel("Username").fill(first.username);
    await page.getByRole("button", { name: "Start shopping" }).click();
    await page.getByRole("alert").filter({ hasText: `“${first.username}” is already taken` }).waitFor();

    // A stored token this server never issued: /api/me answers 401, so the page asks again.
    const stale = await suite.context();
    await stale.addInitScript(
      ([key]) => localStorage.setItem(key!, JSON.stringify({ token: "not-a-token-from-this-server", user: { id: "x", username: "ghost" } })),
      [SESSION_KEY],
    );
    const stalePage = await stale.newPage();
    await stalePage.goto(suite.server.url);
    await stalePage.getByText("Your session is no longer valid").waitFor();
    await stalePage.getByLabel("Username").waitFor();
    expect(await stalePage.evaluate((key) => localStorage.getItem(key), SESSION_KEY)).toBeNull();
  });

  it("a reload during a hold shows the same remaining time, even with the browser's clock 7 minutes slow", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Reload"), totalStock: 5, holdSeconds: 60 });
    const context = await suite.context();
    // The countdown must come from the server's times, not from this wrong local clock.
    await context.clock.install({ time: Date.now() - 7 * 60_000 });
    const page = await openAsShopper(context, suite.server.url, uniqueName("erin"));
    const card = dropCard(page, drop.name);
    await card.getByRole("button", { name: "Reserve" }).click();
    const panel = card.getByTestId("hold-panel");
    await panel.waitFor();

    const token = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "{}").token as string, SESSION_KEY);
    const listed = ok(await suite.server.api.listDrops(token));
    const expiresAt = Date.parse(listed.drops.find((d) => d.id === drop.id)!.myReservation!.expiresAt);

    /** Remaining ms as shown (attribute and m:ss text) beside the truth (this process shares the server's clock). */
    async function readRemaining() {
      const before = Date.now();
      const shown = Number(await panel.getAttribute("data-remaining-ms"));
      const text = (await card.getByTestId("hold-countdown").textContent()) ?? "";
      const after = Date.now();
      const [minutes, seconds] = text.split(":").map(Number);
      return { shown, text: (minutes! * 60 + seconds!) * 1000, truth: expiresAt - (before + after) / 2 };
    }

    const first = await readRemaining();
    expect(Math.abs(first.shown - first.truth)).toBeLessThan(1_000);
    expect(Math.abs(first.text - first.shown)).toBeLessThanOrEqual(1_000);

    await page.reload();
    await panel.waitFor();
    const second = await readRemaining();
    expect(Math.abs(second.shown - second.truth)).toBeLessThan(1_000);
    expect(Math.abs(second.text - second.shown)).toBeLessThanOrEqual(1_000);
    expect(second.shown).toBeLessThan(first.shown);

    // Still the same shopper, and the restored hold still works.
    await page.getByTestId("username").waitFor();
    await card.getByRole("button", { name: "Release hold" }).click();
    await outcome(card, "released").waitFor();
    await expectStock(card, { available: 5, held: 0, sold: 0 });
  });

  it("with the keyboard alone: sign in, watch an upcoming drop go live by itself, reserve and buy", async () => {
    const page = await (await suite.context({ phone: true })).newPage();
    await page.goto(suite.server.url);
    await waitForLive(page);
    // Announced while the page is open (dropCreated), starting a few seconds later: enough for a
    // loaded machine to show it upcoming first (4 s was not, with every core busy).
    const startsAt = new Date(Date.now() + 8_000).toISOString();
    const drop = await suite.server.api.createDrop({ name: uniqueName("Soon"), price: "30.00", totalStock: 3, startsAt });
    const card = dropCard(page, drop.name);
    await expectText(card.getByTestId("status"), "Upcoming");
    await card.getByTestId("start-countdown").waitFor();

    const username = uniqueName("kim");
    await tabTo(page, page.getByLabel("Username"));
    await page.keyboard.type(username);
    await page.keyboard.press("Enter");
    await page.getByTestId("username").filter({ hasText: username }).waitFor();

    // No reload and no message needed: the card's own clock turns it live at startsAt.
    await expectText(card.getByTestId("status"), "Live", 8_000);
    await tabTo(page, card.getByRole("button", { name: "Reserve" }));
    await page.keyboard.press("Enter");
    await card.getByTestId("hold-panel").waitFor();
    // Focus follows to the next step instead of falling back to the top of the page.
    expect(await isFocused(card.getByRole("button", { name: "Complete purchase" }))).toBe(true);
    await page.keyboard.press("Enter");
    await outcome(card, "purchased").waitFor();
    expect(await isFocused(outcome(card, "purchased"))).toBe(true);
    await expectText(card.getByTestId("amount-paid"), "$30.00");
  });
});

describeInBrowser("rate limits in a real browser", () => {
  // Two writes a minute: a hold and its release use them up.
  const suite = browserSuite({ RATE_LIMITS: "on", RATE_LIMIT_WRITES_PER_MIN: "2" });

  it("a 429 says so and when to try again, and Reserve waits until then", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Busy"), totalStock: 5 });
    const { page } = await suite.shopper("lee");
    const card = dropCard(page, drop.name);
    await card.getByRole("button", { name: "Reserve" }).click();
    await card.getByRole("button", { name: "Release hold" }).click();
    await outcome(card, "released").waitFor();

    await card.getByRole("button", { name: "Reserve" }).click();
    const limited = outcome(card, "rate_limited");
    await limited.waitFor();
    expect(await limited.textContent()).toMatch(/Too many requests.*try again in \d+ s/);
    await expect.poll(() => card.getByRole("button", { name: "Reserve" }).isDisabled()).toBe(true);
    await card.getByText(/Too many requests: try again in \d+:\d\d/).waitFor();
  });
});
