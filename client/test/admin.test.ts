import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { ADMIN_TOKEN, ok } from "../../server/test/server.js";
import { describeInBrowser, dropCard, expectStock, expectText, openAsShopper, screenshot, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

describeInBrowser("admin page in a real browser", () => {
  const suite = browserSuite();

  async function openAdmin(): Promise<Page> {
    const page = await (await suite.context()).newPage();
    await page.goto(`${suite.server.url}/admin`);
    return page;
  }

  it("refuses a wrong admin token and says so", async () => {
    const page = await openAdmin();
    await page.getByLabel("Admin token").fill("not-the-admin-token-000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong admin token" }).waitFor();
    expect(await page.getByTestId("drops-table").count()).toBe(0);
  });

  it("signs in without a failed request or a console error", async () => {
    const page = await openAdmin();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("response", (response) => {
      if (response.status() >= 400) errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("form", { name: "New drop" }).waitFor();
    await waitForLive(page);
    await page.waitForLoadState("networkidle");
    expect(errors).toEqual([]);
  });

  it("raises the chart's axis with the total stock when an edit raises it, the areas staying inside", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Restock"), totalStock: 10 });
    const admin = await openAdmin();
    await admin.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await admin.getByRole("button", { name: "Sign in" }).click();
    await waitForLive(admin);
    await admin.getByRole("button", { name: `Manage ${drop.name}` }).click();
    const chart = admin.getByTestId("stock-chart");
    await expectText(chart.getByTestId("chart-top"), "10");

    // The edit sends stockUpdated (new counters, no total) and then dropUpdated (the total) under one version.
    ok(await suite.server.api.updateDrop(drop.id, { totalStock: 20 }));
    await expectText(chart.getByTestId("chart-available"), "20");
    await expectText(chart.getByTestId("chart-top"), "20");
    const top = (await chart.getByTestId("chart-top-line").boundingBox())!;
    const available = (await chart.getByTestId("chart-band-available").boundingBox())!;
    expect(available.y).toBeGreaterThanOrEqual(top.y - 1);
  });

  it("creates a drop that an open shopper page shows without reloading, and charts its stock live", async () => {
    const shopper = await openAsShopper(await suite.context(), suite.server.url, uniqueName("fran"));
    // Survives only if the page is never reloaded.
    await shopper.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    const admin = await openAdmin();
    await admin.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await admin.getByRole("button", { name: "Sign in" }).click();
    await admin.getByTestId("drops-table").or(admin.getByText("No drops yet")).first().waitFor();
    await waitForLive(admin);

    // The server's field messages land next to their fields.
    const name = uniqueName("Admin Drop");
    const form = admin.getByRole("form", { name: "New drop" });
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Price").fill("12.345");
    await form.getByLabel("Total stock").fill("-1");
    await form.getByLabel("Hold seconds").fill("30");
    await form.getByLabel("Max per shopper").fill("3");
    await form.getByRole("button", { name: "Create drop" }).click();
    await expectText(form.getByTestId("error-price"), "must be a positive amount with at most 2 decimal places and 10 digits before the point");
    await expectText(form.getByTestId("error-totalStock"), "must not be negative");
    expect(await form.getByLabel("Price").getAttribute("aria-invalid")).toBe("true");

    await form.getByLabel("Price").fill("49.90");
    await form.getByLabel("Total stock").fill("10");
    await form.getByRole("button", { name: "Create drop" }).click();
    await form.getByText("Drop created.").waitFor();

    const card = dropCard(shopper, name);
    await card.waitFor();
    await expectStock(card, { available: 10, held: 0, sold: 0 });
    expect(await shopper.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    // The new drop is selected: its chart follows stockUpdated as the shopper holds and buys.
    const chart = admin.getByTestId("stock-chart");
    await chart.waitFor();
    await card.getByLabel(/Quantity/).selectOption("1");
    await card.getByRole("button", { name: "Reserve" }).click();
    await expectText(chart.getByTestId("chart-held"), "1");
    await card.getByRole("button", { name: "Complete purchase" }).click();
    await expectText(chart.getByTestId("chart-sold"), "1");
    await expectText(chart.getByTestId("chart-available"), "9");

    // More shoppers: one holds 2 and buys, another holds 3 and is still deciding.
    const api = suite.server.api;
    const [s1, s2] = await Promise.all([api.shopper("s1"), api.shopper("s2")]);
    const dropId = (await card.getAttribute("data-drop-id"))!;
    const hold1 = ok(await api.reserve(s1.token, dropId, 2), 201);
    await expectText(chart.getByTestId("chart-held"), "2");
    expect((await api.reserve(s2.token, dropId, 3)).status).toBe(201);
    await expectText(chart.getByTestId("chart-held"), "5");
    expect((await api.purchase(s1.token, hold1.reservation.id)).status).toBe(201);
    await expectText(chart.getByTestId("chart-sold"), "3");
    await expectText(chart.getByTestId("chart-held"), "3");
    await expectText(chart.getByTestId("chart-available"), "4");
    expect(Number(await chart.getAttribute("data-points"))).toBeGreaterThanOrEqual(5);
    const row = admin.getByTestId("drops-table").locator("tr", { has: admin.getByRole("rowheader", { name, exact: true }) });
    await expectText(row.getByTestId("row-sold"), "3");
    await expectText(row.getByTestId("row-held"), "3");
    await screenshot(admin, "admin-chart");

    // Lowering stock below what is held or sold is refused next to the field.
    const edit = admin.getByRole("form", { name: `Edit ${name}` });
    await edit.getByLabel("Total stock").fill("2");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => edit.getByTestId("error-totalStock").textContent(), { timeout: 5_000 }).toContain("cannot go below");

    // A rename reaches the shopper too.
    const renamed = `${name} v2`;
    await edit.getByLabel("Total stock").fill("10");
    await edit.getByLabel("Name").fill(renamed);
    await edit.getByRole("button", { name: "Save changes" }).click();
    await dropCard(shopper, renamed).waitFor();

    // Ending early shows as ended on the shopper's card, with reserving closed.
    await admin.getByRole("button", { name: "End drop now" }).click();
    await admin.getByRole("button", { name: "Yes, end it" }).click();
    const endedCard = dropCard(shopper, renamed);
    await expectText(endedCard.getByTestId("status"), "Ended");
    await endedCard.getByText("This drop has ended.").waitFor();
    await screenshot(shopper, "shopper-drop-ended");
  });
});
