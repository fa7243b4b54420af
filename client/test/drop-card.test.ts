import { it } from "vitest";
import { describeInBrowser, dropCard, expectText, uniqueName } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

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
});
