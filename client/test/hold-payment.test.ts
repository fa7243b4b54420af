import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { ok } from "../../server/test/server.js";
import { describeInBrowser, dropCard, expectText, outcome, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();
const tokenOf = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem("dropline.session") ?? "{}").token as string);
const holdLine = (card: Locator) => card.getByTestId("hold-panel").getByTestId("hold-summary");

describeInBrowser("a hold's own price and its payment", () => {
  // A slow bank that answers 8 s after the payment starts, and a purchase that answers 202 after 0.5 s.
  const suite = browserSuite({ SIMULATED_SLOW_MS: "8000", PAYMENT_TIMEOUT_MS: "500" });
  const api = () => suite.server.api;
  const endDrop = async (dropId: string) => ok(await api().updateDrop(dropId, { endsAt: isoIn(100) }));

  it("the hold panel shows what the hold costs, fixed when it was taken, whatever the price becomes, also after a reload", async () => {
    const [cheap, dear] = await Promise.all([
      api().createDrop({ name: uniqueName("Was Cheap"), price: "10.00", totalStock: 5, maxPerUser: 2 }),
      api().createDrop({ name: uniqueName("Was Dear"), price: "500.00", totalStock: 5, maxPerUser: 2 }),
    ]);
    const { page } = await suite.shopper("price");
    const cheapCard = dropCard(page, cheap.name);
    const dearCard = dropCard(page, dear.name);
    await cheapCard.getByRole("button", { name: "Reserve" }).click();
    await expectText(holdLine(cheapCard), "You hold 1 unit · $10.00");
    await dearCard.getByLabel(/Quantity/).selectOption("2");
    await dearCard.getByRole("button", { name: "Reserve" }).click();
    await expectText(holdLine(dearCard), "You hold 2 units · $1,000.00");

    // The admin changes both prices while the holds run: the cards follow, the holds do not.
    ok(await api().updateDrop(cheap.id, { price: "500.00" }));
    ok(await api().updateDrop(dear.id, { price: "10.00" }));
    await expectText(cheapCard.getByTestId("price"), "$500.00");
    await expectText(dearCard.getByTestId("price"), "$10.00");
    expect((await holdLine(cheapCard).textContent())?.trim()).toBe("You hold 1 unit · $10.00");
    expect((await holdLine(dearCard).textContent())?.trim()).toBe("You hold 2 units · $1,000.00");

    // A reload reads the holds from GET /api/drops (myReservation): the same amounts.
    await page.reload();
    await waitForLive(page);
    await expectText(holdLine(cheapCard), "You hold 1 unit · $10.00");
    await expectText(holdLine(dearCard), "You hold 2 units · $1,000.00");

    // And buying charges what the panel said.
    await cheapCard.getByRole("button", { name: "Complete purchase" }).click();
    await expectText(outcome(cheapCard, "purchased").getByTestId("amount-paid"), "$10.00");
    await endDrop(cheap.id);
    await endDrop(dear.id);
  });

  it("a payment running past the hold's deadline reads as paying, also after a reload past it, then as the purchase: never as expired", async () => {
    const drop = await api().createDrop({ name: uniqueName("Photo Finish"), price: "30.00", totalStock: 5, holdSeconds: 10 });
    const context = await suite.context();
    // Set on every load of the page, before it runs: whether an "expired" notice ever appeared.
    await context.addInitScript(() => {
      const seen = window as unknown as { sawExpired?: boolean };
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="outcome"][data-kind="expired"]')) seen.sawExpired = true;
      }).observe(document, { childList: true, subtree: true });
    });
    const { page } = await suite.shopper("lastsecond", { context });
    const card = dropCard(page, drop.name);
    const panel = card.getByTestId("hold-panel");
    await card.getByRole("button", { name: "Reserve" }).click();
    await panel.waitFor();

    // Pay with the slow bank under 3 s before the deadline: the bank answers over 5 s after it.
    await expect.poll(async () => Number(await panel.getAttribute("data-remaining-ms")), { timeout: 12_000, interval: 50 }).toBeLessThan(3_000);
    await card.getByLabel("Pay with").selectOption("sim_slow");
    await card.getByRole("button", { name: "Complete purchase" }).click();
    await outcome(card, "processing").waitFor({ timeout: 3_000 });

    // Past the deadline, the payment still running: the server reads the hold as active and paying.
    await expect.poll(async () => panel.getAttribute("data-remaining-ms"), { timeout: 4_000, interval: 50 }).toBe("0");
    const hold = ok(await api().getDrop(drop.id, await tokenOf(page))).myReservation!;
    expect(hold).toMatchObject({ status: "active", paymentInFlight: true });
    expect(Date.parse(hold.expiresAt)).toBeLessThan(Date.parse(hold.serverTime));

    // The reload's GET /api/me (where the page finds the running purchase) is held back until the page has
    // shown the hold from GET /api/drops alone: what that drop view says must be enough.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/me", async (route) => {
      await released;
      await route.continue();
    });
    try {
      await page.reload();
      await card.getByTestId("hold-paying").getByText("Confirming your payment…").waitFor({ timeout: 3_000 });
      expect(await card.getByRole("button", { name: "Confirming…" }).isDisabled()).toBe(true);
    } finally {
      release();
    }
    await waitForLive(page);
    await outcome(card, "purchased").waitFor({ timeout: 12_000 });
    await expectText(card.getByTestId("amount-paid"), "$30.00");
    expect(await page.evaluate(() => (window as unknown as { sawExpired?: boolean }).sawExpired ?? false)).toBe(false);
    await endDrop(drop.id);
  });
});
