import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { ok } from "../../server/test/server.js";
import { describeInBrowser, dropCard, expectText, outcome, screenshot, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Picks a test card by its plain name and pays with it. */
async function payWith(card: Locator, method: string) {
  await card.getByLabel("Pay with").selectOption({ label: method });
  await card.getByRole("button", { name: "Complete purchase" }).click();
}

/** Every ticket's QR code has loaded as an image (an <img> of the SVG the server drew). */
async function expectQrCodes(card: Locator, count: number) {
  await expect.poll(() => card.getByTestId("ticket").count()).toBe(count);
  const images = card.getByTestId("ticket-qr");
  await expect.poll(() => images.count(), { timeout: 5_000 }).toBe(count);
  for (let i = 0; i < count; i++) {
    await expect.poll(() => images.nth(i).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  }
}

/** Opens the history's timeline of the shopper's newest hold, and waits for it to hold these lines in this order. */
async function openTimeline(page: Page, expected: (string | RegExp)[]) {
  const hold = page.getByTestId("history-hold").first();
  await hold.getByRole("button", { name: "Timeline" }).click();
  const lines = hold.getByTestId("timeline-event");
  await expect
    .poll(async () => {
      const texts = await lines.locator("p").allTextContents();
      let at = 0;
      for (const line of expected) {
        const found = texts.findIndex((text, index) => index >= at && (typeof line === "string" ? text === line : line.test(text)));
        if (found < 0) return texts;
        at = found + 1;
      }
      return "in order";
    }, { timeout: 5_000 })
    .toBe("in order");
  return hold;
}

describeInBrowser("checkout in a real browser", () => {
  const suite = browserSuite();
  const api = () => suite.server.api;

  /** Ends a drop, so the next test's screenshots show only their own. */
  const endDrop = async (dropId: string) => ok(await api().updateDrop(dropId, { endsAt: isoIn(100) }));

  it("a declined card keeps the hold with its countdown; another card completes it with tickets and QR codes; the hold's timeline tells the story", async () => {
    const drop = await api().createDrop({ name: uniqueName("Arena Night"), price: "80.00", totalStock: 10, maxPerUser: 2 });
    const { page } = await suite.shopper("dana");
    const card = dropCard(page, drop.name);
    await card.getByLabel(/Quantity/).selectOption("2");
    await card.getByRole("button", { name: "Reserve" }).click();
    const panel = card.getByTestId("hold-panel");
    await panel.waitFor();

    await payWith(card, "Card that is declined");
    const declined = outcome(card, "declined");
    await declined.waitFor();
    await declined.getByText(/^Your card was declined\. Your hold is still yours for 0:[0-5]\d — try another card\.$/).waitFor();
    // The notice's countdown is the hold's own, and it runs.
    const first = await declined.getByTestId("notice-countdown").textContent();
    await expect.poll(() => declined.getByTestId("notice-countdown").textContent(), { timeout: 3_000 }).not.toBe(first);
    expect(await panel.isVisible()).toBe(true);
    await screenshot(page, "checkout-declined");

    await payWith(card, "Card without funds");
    await outcome(card, "declined").getByText(/not enough funds/).waitFor();

    await payWith(card, "Card that works");
    const bought = outcome(card, "purchased");
    await bought.waitFor();
    await panel.waitFor({ state: "detached" });
    const code = (await card.getByTestId("confirmation-code").textContent())?.trim() ?? "";
    expect(code).toMatch(/\S{6,}/);
    await expectQrCodes(card, 2);
    const ticketCodes = await card.getByTestId("ticket-code").allTextContents();
    expect(new Set(ticketCodes).size).toBe(2);
    await screenshot(page, "checkout-completed");

    await openTimeline(page, [
      /^Hold taken/,
      "Payment started (Card that is declined)",
      "Payment declined: card_declined",
      "Payment started (Card without funds)",
      "Payment declined: insufficient_funds",
      "Payment started (Card that works)",
      "Payment approved",
      `Purchase completed ${code}`,
      "Ticket issued",
      "Ticket issued",
    ]);
    await screenshot(page, "timeline");
    await endDrop(drop.id);
  });

  it("a slow bank shows 'confirming' and turns into the purchase live; a reload while confirming keeps saying so", async () => {
    const drop = await api().createDrop({ name: uniqueName("Slow Lane"), price: "55.00", totalStock: 5, maxPerUser: 2 });
    const { page } = await suite.shopper("sam");
    const card = dropCard(page, drop.name);
    await card.getByRole("button", { name: "Reserve" }).click();
    await card.getByTestId("hold-panel").waitFor();

    await payWith(card, "Slow bank (8 s)");
    await card.getByRole("button", { name: "Paying…" }).waitFor();
    // The server answers 202 after PAYMENT_TIMEOUT_MS (5 s); the bank answers at 8 s.
    const confirming = outcome(card, "processing");
    await confirming.waitFor({ timeout: 7_000 });
    await confirming.getByText("Your bank is confirming the payment…", { exact: false }).waitFor();
    expect(await card.getByRole("button", { name: "Confirming…" }).isDisabled()).toBe(true);
    await screenshot(page, "checkout-processing");

    // No reload: purchaseUpdated turns it into the purchase.
    await outcome(card, "purchased").waitFor({ timeout: 6_000 });
    await expectQrCodes(card, 1);
    await page.getByTestId("history").getByText("Bought").first().waitFor();

    // Once more, reloading while the bank confirms: the page finds the payment (GET /api/me) and still hears its end.
    await card.getByRole("button", { name: /^Reserve/ }).click();
    await card.getByTestId("hold-panel").waitFor();
    await payWith(card, "Slow bank (8 s)");
    await confirming.waitFor({ timeout: 7_000 });
    await page.reload();
    await waitForLive(page);
    await outcome(card, "processing").waitFor({ timeout: 2_500 });
    await outcome(card, "purchased").waitFor({ timeout: 6_000 });
    await expectQrCodes(card, 1);
    await endDrop(drop.id);
  });

  it("on a phone: the provider being down keeps the hold and says to try again; then the purchase and its tickets fit the screen", async () => {
    const drop = await api().createDrop({ name: uniqueName("Pocket Pass"), price: "25.00", totalStock: 5, maxPerUser: 2 });
    const { page } = await suite.shopper("pia", { phone: true });
    const card = dropCard(page, drop.name);
    await card.getByLabel(/Quantity/).selectOption("2");
    await card.getByRole("button", { name: "Reserve" }).click();
    await card.getByTestId("hold-panel").waitFor();

    await payWith(card, "Payment provider down");
    const down = outcome(card, "payment_unavailable");
    await down.waitFor({ timeout: 5_000 });
    await down.getByText(/couldn't reach the payment provider.*Your hold is still yours for 0:[0-5]\d — try again\./).waitFor();
    await card.getByTestId("hold-panel").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await payWith(card, "Flaky connection (works on the 3rd try)");
    await outcome(card, "purchased").waitFor({ timeout: 5_000 });
    await expectQrCodes(card, 2);
    // Nothing sticks out sideways on a 390 px phone, QR codes included.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "checkout-completed-phone");
    await expectText(card.getByTestId("amount-paid"), "$50.00");
    await endDrop(drop.id);
  });
});
