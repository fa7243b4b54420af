import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { ADMIN_TOKEN } from "../../server/test/server.js";
import { describeInBrowser, screenshot, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

describeInBrowser("admin page layout", () => {
  const suite = browserSuite();

  async function signedInAdmin(options: { phone?: boolean } = {}): Promise<Page> {
    const page = await (await suite.context(options)).newPage();
    await page.goto(`${suite.server.url}/admin`);
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForLive(page);
    return page;
  }

  it("fits a 390 px phone: no sideways scrolling, every drop's counters and Manage on screen", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Phone Fit"), price: "1199.00", totalStock: 1200 });
    const page = await signedInAdmin({ phone: true });
    const manage = page.getByRole("button", { name: `Manage ${drop.name}` });
    await manage.waitFor();

    const inViewport = async (name: string) => {
      const box = (await page.getByRole("button", { name }).boundingBox())!;
      return box.x >= 0 && box.x + box.width <= 390;
    };
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await manage.isVisible()).toBe(true);
    expect(await inViewport(`Manage ${drop.name}`)).toBe(true);
    const row = page.locator(`[data-drop-id="${drop.id}"]`);
    for (const counter of ["row-available", "row-held", "row-sold", "row-total"]) {
      const box = (await row.getByTestId(counter).boundingBox())!;
      expect(box.x + box.width, counter).toBeLessThanOrEqual(390);
    }
    await screenshot(page, "admin-phone");

    // The chart and the edit form of the chosen drop fit too.
    await manage.click();
    await page.getByRole("form", { name: `Edit ${drop.name}` }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it("shows every date field of the new-drop form whole at desktop width", async () => {
    const page = await signedInAdmin();
    const form = page.getByRole("form", { name: "New drop" });
    await form.waitFor();
    for (const label of ["Starts at", "Ends at"]) {
      const input = form.getByLabel(label);
      await input.fill("2030-12-24T18:30:15");
      // A date input clips its fields inside the browser's own shadow DOM, where scrollWidth cannot
      // see; its natural width (width: auto) is the room those fields need.
      const { width, needed } = await input.evaluate((element: HTMLElement) => {
        const width = element.getBoundingClientRect().width;
        element.style.width = "auto";
        const needed = element.getBoundingClientRect().width;
        element.style.width = "";
        return { width, needed };
      });
      expect(width, label).toBeGreaterThanOrEqual(needed);
    }
    await screenshot(page, "admin-new-drop");
  });
});
