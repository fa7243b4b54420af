import type { Locator } from "playwright-core";
import { expect, it } from "vitest";
import { describeInBrowser, dropCard, expectText, outcome, screenshot, uniqueName } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

/** Top edge in page coordinates: focus moving to a message may scroll the page between two readings. */
const pageTop = (locator: Locator) => locator.evaluate((element) => element.getBoundingClientRect().top + window.scrollY);

describeInBrowser("the drop card", () => {
  const suite = browserSuite();

  it("writes prices and amounts with a thousands separator", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Big Ticket"), price: "1199.00", totalStock: 5, maxPerUser: 2 });
    const { page } = await suite.shopper("rich");
    const card = dropCard(page, drop.name);
    await expectText(card.getByTestId("price"), "$1,199.00");

    await card.getByLabel(/Quantity/).selectOption("2");
    await card.getByRole("button", { name: "Reserve" }).click();
    await card.getByTestId("hold-panel").getByText("$2,398.00").waitFor({ timeout: 5_000 });
    await card.getByRole("button", { name: "Complete purchase" }).click();
    await expectText(card.getByTestId("amount-paid"), "$2,398.00");
    await page.getByTestId("history").getByText("$2,398.00").waitFor({ timeout: 5_000 });
  });

  it("after a purchase the outcome takes the hold panel's place, and Reserve steps back below it", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("In Place"), price: "45.00", totalStock: 5, maxPerUser: 3 });
    const { page } = await suite.shopper("placed", { phone: true });
    const card = dropCard(page, drop.name);
    await card.getByRole("button", { name: "Reserve" }).click();
    const panel = card.getByTestId("hold-panel");
    await panel.waitFor();
    // The hold panel opens the card's action area...
    const actions = card.getByTestId("card-actions");
    expect(Math.abs((await pageTop(panel)) - (await pageTop(actions)))).toBeLessThanOrEqual(1);

    await card.getByRole("button", { name: "Complete purchase" }).click();
    const bought = outcome(card, "purchased");
    await bought.waitFor();
    await panel.waitFor({ state: "detached" });
    // ...and the outcome takes its place there, where the shopper's eye (and finger) just was.
    expect(Math.abs((await pageTop(bought)) - (await pageTop(actions)))).toBeLessThanOrEqual(1);

    const reserve = card.getByRole("button", { name: /^Reserve/ });
    const reserveHandle = await reserve.elementHandle();
    expect(await bought.evaluate((box, button) => Boolean(box.compareDocumentPosition(button!) & Node.DOCUMENT_POSITION_FOLLOWING), reserveHandle)).toBe(true);
    expect(await pageTop(reserve)).toBeGreaterThan((await pageTop(bought)) + 20);
    expect(await reserve.getAttribute("data-emphasis")).toBe("secondary");
    await screenshot(page, "shopper-purchased-phone");

    // Dismissing the message brings Reserve back to the front.
    await bought.getByRole("button", { name: "Dismiss message" }).click();
    await bought.waitFor({ state: "detached" });
    expect(await reserve.getAttribute("data-emphasis")).toBe("primary");
  });
});
