import type { BrowserContext, Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { ADMIN_TOKEN } from "../../server/test/server.js";
import { describeInBrowser, dropCard, expectText, outcome, screenshot, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

/** Top edge in page coordinates: focus moving to a message may scroll the page between two readings. */
const pageTop = (locator: Locator) => locator.evaluate((element) => element.getBoundingClientRect().top + window.scrollY);

// Drop images must be https URLs, which cannot be reached from here: the browser gets them from this
// stand-in instead (a pink-and-indigo picture), and any other path on the host is a 404.
const IMAGE_HOST = "https://images.dropline.test";
const PICTURE = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#6366f1"/><stop offset="1" stop-color="#ec4899"/></linearGradient></defs><rect width="400" height="300" fill="url(#g)"/><circle cx="200" cy="150" r="70" fill="#fff" fill-opacity=".25"/></svg>`;

async function serveImages(context: BrowserContext) {
  await context.route(`${IMAGE_HOST}/**`, (route) =>
    new URL(route.request().url()).pathname.startsWith("/missing")
      ? route.fulfill({ status: 404, body: "" })
      : route.fulfill({ status: 200, contentType: "image/svg+xml", body: PICTURE }),
  );
}

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

  it("shows the drop's image and description, and an admin's edits to them reach the card live", async () => {
    const name = uniqueName("Aurora Runner");
    const drop = await suite.server.api.createDrop({
      name,
      price: "189.00",
      totalStock: 40,
      imageUrl: `${IMAGE_HOST}/aurora.svg`,
      description: "Knit upper, recycled sole.\nShips in 2 days.",
    });
    const context = await suite.context();
    await serveImages(context);
    const { page } = await suite.shopper("face", { context });
    const card = dropCard(page, name);
    const image = card.getByTestId("drop-image");
    await image.waitFor();
    expect(await image.getAttribute("src")).toBe(`${IMAGE_HOST}/aurora.svg`);
    expect(await image.getAttribute("alt")).toBe(name);
    expect(await image.getAttribute("loading")).toBe("lazy");
    expect(await card.getByTestId("drop-description").innerText()).toBe("Knit upper, recycled sole.\nShips in 2 days.");
    await expectAspect(image, 4 / 3);
    await screenshot(page, "shopper-drop-face");

    // The admin edits both; the open shopper page follows without a reload.
    const admin = await openAdmin(page.context());
    await admin.getByRole("button", { name: `Manage ${name}` }).click();
    const edit = admin.getByRole("form", { name: `Edit ${name}` });
    await edit.getByLabel("Image URL").fill("http://images.dropline.test/plain-http.svg");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expectText(edit.getByTestId("error-imageUrl"), "must be an https:// URL");
    expect(await edit.getByLabel("Image URL").getAttribute("aria-invalid")).toBe("true");

    await edit.getByLabel("Image URL").fill(`${IMAGE_HOST}/missing.svg`);
    await edit.getByLabel("Description").fill("Back in a new colour.");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await edit.getByText("Saved.").waitFor();
    await expect.poll(() => image.getAttribute("src")).toBe(`${IMAGE_HOST}/missing.svg`);
    await expectText(card.getByTestId("drop-description"), "Back in a new colour.");
    // A picture that never loads keeps its box: nothing below it moves.
    await expect.poll(() => image.getAttribute("data-failed")).toBe("true");
    await expectAspect(image, 4 / 3);

    // Emptied fields clear them.
    await edit.getByLabel("Image URL").fill("");
    await edit.getByLabel("Description").fill("");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await image.waitFor({ state: "detached" });
    await card.getByTestId("drop-description").waitFor({ state: "detached" });
    expect(await suite.server.api.getDrop(drop.id).then((answer) => [answer.body.imageUrl, answer.body.description])).toEqual([null, null]);
  });

  it("creates a drop with an image and a description from the admin's form", async () => {
    const context = await suite.context();
    await serveImages(context);
    const { page } = await suite.shopper("watcher", { context });
    const admin = await openAdmin(context);
    const name = uniqueName("Form Face");
    const form = admin.getByRole("form", { name: "New drop" });
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Price").fill("1250");
    await form.getByLabel("Total stock").fill("3");
    await form.getByLabel("Image URL").fill(`${IMAGE_HOST}/form.svg`);
    await form.getByLabel("Description").fill("First line\nSecond line");
    await form.getByRole("button", { name: "Create drop" }).click();
    await form.getByText("Drop created.").waitFor();

    const card = dropCard(page, name);
    await expectText(card.getByTestId("price"), "$1,250.00");
    expect(await card.getByTestId("drop-image").getAttribute("src")).toBe(`${IMAGE_HOST}/form.svg`);
    expect(await card.getByTestId("drop-description").innerText()).toBe("First line\nSecond line");
  });

  // helmet's default Content-Security-Policy (img-src 'self' data:) blocked every https image on the
  // page the server serves; the policy now allows https: images.
  it("loads an https drop image on the page the server serves", async () => {
    const name = uniqueName("Blocked");
    await suite.server.api.createDrop({ name, totalStock: 2, imageUrl: `${IMAGE_HOST}/csp.svg` });
    const context = await suite.context();
    await serveImages(context);
    const page = await context.newPage();
    await page.goto(suite.server.url);
    const image = dropCard(page, name).getByTestId("drop-image");
    await image.waitFor();
    await expect
      .poll(() => image.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth > 0), { timeout: 3_000 })
      .toBe(true);
  });

  async function openAdmin(context: BrowserContext): Promise<Page> {
    const admin = await context.newPage();
    await admin.goto(`${suite.server.url}/admin`);
    await admin.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await admin.getByRole("button", { name: "Sign in" }).click();
    await waitForLive(admin);
    return admin;
  }
});

/** The image's box keeps this width:height whether or not the picture loaded. */
async function expectAspect(image: Locator, ratio: number) {
  const box = (await image.boundingBox())!;
  expect(box.width).toBeGreaterThan(100);
  expect(Math.abs(box.width / box.height - ratio)).toBeLessThan(0.02);
}
