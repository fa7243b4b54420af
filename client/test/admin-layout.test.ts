import type { Locator, Page } from "playwright-core";
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

  it("on a phone, Manage brings the drop's chart and edit form into view and moves focus to them", async () => {
    // Enough drops that the details, below the whole list, start well past the first screen.
    const drops = await Promise.all(Array.from({ length: 6 }, () => suite.server.api.createDrop({ name: uniqueName("Long List"), totalStock: 5 })));
    const last = drops[drops.length - 1]!;
    const page = await signedInAdmin({ phone: true });
    const manage = page.getByRole("button", { name: `Manage ${last.name}` });
    await manage.waitFor();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await manage.click();

    const form = page.getByRole("form", { name: `Edit ${last.name}` });
    await form.waitFor();
    // The details' top and the edit form's heading are on screen (boundingBox is relative to the viewport).
    const viewport = page.viewportSize()!;
    const inView = async (locator: Locator) => {
      const box = await locator.boundingBox();
      return box !== null && box.y >= 0 && box.y < viewport.height;
    };
    const heading = page.getByRole("heading", { name: `${last.name}: stock over time` });
    await expect.poll(() => inView(form.getByRole("heading", { name: `Edit ${last.name}` })), { timeout: 5_000 }).toBe(true);
    expect(await inView(heading)).toBe(true);
    // Focus lands on the details' heading: a screen reader reads which drop opened, Tab goes on into its controls.
    expect(await heading.evaluate((element) => element === document.activeElement)).toBe(true);
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
