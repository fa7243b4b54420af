import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { ADMIN_TOKEN, ok } from "../../server/test/server.js";
import { describeInBrowser, dropCard, expectStock, expectText, repoRoot, screenshot, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/** A `datetime-local` value for a moment from now, in this machine's zone (the browser's too). */
function localInputIn(ms: number): string {
  const date = new Date(Date.now() + ms);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/** Like support's `screenshot`, of one part of the page: the admin page is long. */
async function screenshotOf(locator: Locator, name: string) {
  const dir = path.join(repoRoot, "test-results", "screenshots");
  await mkdir(dir, { recursive: true });
  await locator.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** Picks a test card by its plain name and pre-orders with it. */
async function preorderWith(card: Locator, method: string) {
  await card.getByLabel("Pay with").selectOption({ label: method });
  await card.getByRole("button", { name: "Pre-order", exact: true }).click();
}

const result = (card: Locator, kind: string) => card.locator(`[data-testid="preorder-result"][data-kind="${kind}"]`);
const myOrders = (page: Page) => page.getByTestId("my-preorders").getByTestId("preorder");

/** Waits until the shopper's newest order shows this status, with these words. */
async function expectOrderStatus(page: Page, status: string, words: string, timeout = 5_000) {
  const order = myOrders(page).first();
  await expect.poll(() => order.getAttribute("data-status"), { timeout, interval: 100 }).toBe(status);
  await expectText(order.getByTestId("preorder-status"), words);
  return order;
}

/** The progress line's steps reached so far. */
const reachedSteps = (order: Locator) => order.locator('[data-testid="preorder-progress"] li[data-reached="true"]').allTextContents();

describeInBrowser("pre-orders in a real browser", () => {
  const suite = browserSuite();
  const api = () => suite.server.api;
  const admin = (path: string) => api().call("POST", path, { token: ADMIN_TOKEN });
  const createPreorderDrop = (fields: Record<string, unknown>) =>
    api().createDrop({ price: "120.00", totalStock: 5, maxPerUser: 2, kind: "preorder", releaseAt: isoIn(86_400_000), ...fields });
  const endDrop = async (dropId: string) => ok(await api().updateDrop(dropId, { endsAt: isoIn(100) }));

  it("a declined card charges nothing; a card that works places the order, which moves along live as the admin checks it off", async () => {
    // Released a few seconds from now: the order is placed before, and the release itself is seen live.
    const drop = await createPreorderDrop({ name: uniqueName("Studio Monitor"), releaseAt: isoIn(9_000) });
    const { page } = await suite.shopper("mara");
    const card = dropCard(page, drop.name);

    // A pre-order drop: badge and ship date, no hold, no timer.
    await card.getByTestId("preorder-badge").waitFor();
    await expectText(card.getByTestId("ships"), `Ships ${new Date(drop.releaseAt!).toLocaleDateString("en-US", { dateStyle: "medium" })}`);
    expect(await card.getByText(/Holds last/).count()).toBe(0);
    expect(await card.getByRole("button", { name: "Reserve" }).count()).toBe(0);
    await screenshot(page, "preorder-drop");

    await card.getByLabel(/Quantity/).selectOption("2");
    await preorderWith(card, "Card that is declined");
    await result(card, "declined").getByText("Your card was declined, and nothing was charged. Try another card.").waitFor();
    await expectStock(card, { available: 5, held: 0, sold: 0 });
    // The refused attempt is kept as such, and says that no money moved.
    const refused = await expectOrderStatus(page, "rejected", "Payment failed");
    await expectText(refused.getByTestId("compensation"), "The payment did not go through, so nothing was charged.");
    expect(await refused.getByRole("button", { name: "Cancel pre-order" }).count()).toBe(0);

    await preorderWith(card, "Card that works");
    await result(card, "placed").getByText(/^Pre-ordered 2 · \$240\.00 paid\. It ships /).waitFor();
    // A pre-ordered unit counts as sold.
    await expectStock(card, { available: 3, held: 0, sold: 2 });
    const order = await expectOrderStatus(page, "reserved", "Paid, units set aside");
    expect(await myOrders(page).count()).toBe(2);
    expect(await reachedSteps(order)).toEqual(["Paid", "›Reserved"]);
    await order.getByRole("button", { name: "Cancel pre-order" }).waitFor();
    await screenshot(page, "preorder-placed");
    const id = (await order.getAttribute("data-preorder-id"))!;

    // The release (a durable timer on the server), then each checkpoint the admin presses: all heard live, no reload.
    await expectOrderStatus(page, "awaiting_fulfillment", "Released, waiting to be prepared", 15_000);
    ok(await admin(`/api/admin/preorders/${id}/start-fulfillment`));
    await expectOrderStatus(page, "fulfilling", "Being prepared for pickup");
    // Fulfilment has started: too late for the shopper to cancel.
    expect(await order.getByRole("button", { name: "Cancel pre-order" }).count()).toBe(0);
    ok(await admin(`/api/admin/preorders/${id}/picked-up`));
    await expectOrderStatus(page, "picked_up", "Picked up, on its way");
    // Out of order is refused, and changes nothing.
    expect((await admin(`/api/admin/preorders/${id}/start-fulfillment`)).status).toBe(409);
    ok(await admin(`/api/admin/preorders/${id}/delivered`));
    await expectOrderStatus(page, "delivered", "Delivered");
    expect(await reachedSteps(order)).toEqual(["Paid", "›Reserved", "›Released", "›Being prepared", "›Picked up", "›Delivered"]);
    await endDrop(drop.id);
  });

  it("on a phone: the provider being down charges nothing; the last unit sells the drop out; cancelling gives it back and refunds, said plainly", async () => {
    const drop = await createPreorderDrop({ name: uniqueName("Pocket Synth"), price: "64.50", totalStock: 1, maxPerUser: 1 });
    const { page } = await suite.shopper("pip", { phone: true });
    const card = dropCard(page, drop.name);

    await preorderWith(card, "Payment provider down");
    await result(card, "payment_unavailable").getByText(/couldn't reach the payment provider, and nothing was charged/).waitFor({ timeout: 8_000 });
    await expectStock(card, { available: 1, held: 0, sold: 0 });

    await preorderWith(card, "Flaky connection (works on the 3rd try)");
    await result(card, "placed").waitFor({ timeout: 8_000 });
    await card.getByText("Sold out: every unit is pre-ordered. Units come back if an order is cancelled.").waitFor();
    const order = await expectOrderStatus(page, "reserved", "Paid, units set aside");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await order.getByRole("button", { name: "Cancel pre-order" }).click();
    await expectOrderStatus(page, "cancelled", "Cancelled");
    // Units back first, then the money: each step with its time (refunds retry until done).
    await expectText(order.getByTestId("compensation-summary"), "Units released, payment refunded", 10_000);
    const steps = order.getByTestId("compensation-step");
    expect(await steps.evaluateAll((items) => items.map((item) => [item.getAttribute("data-step"), item.getAttribute("data-status")]))).toEqual([
      ["release_inventory", "done"],
      ["refund_payment", "done"],
    ]);
    for (const line of await steps.allTextContents()) expect(line).toMatch(/ · \d{1,2}:\d{2}:\d{2}/);
    expect(await order.getByRole("button", { name: "Cancel pre-order" }).count()).toBe(0);
    // The card no longer says "Pre-ordered 1" about an order that is gone.
    await result(card, "placed").waitFor({ state: "detached" });
    // The unit is back for everyone.
    await expectStock(card, { available: 1, held: 0, sold: 0 });
    await card.getByRole("button", { name: "Pre-order", exact: true }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "preorder-cancelled");
    await endDrop(drop.id);
  });

  it("says the limit is per shopper across all their orders, as the server counts it, not per order", async () => {
    const drop = await createPreorderDrop({ name: uniqueName("Drum Pad"), maxPerUser: 2 });
    const { page } = await suite.shopper("lim");
    const card = dropCard(page, drop.name);
    await expectText(card.getByTestId("preorder-terms"), "Pay now, collect when it is released · limit 2 per shopper, across all your orders (cancelled ones don't count)");

    await card.getByLabel(/Quantity/).selectOption("1");
    await preorderWith(card, "Card that works");
    await result(card, "placed").waitFor();
    // A second order of 2 would make 3: refused, as the card said, before any charge.
    await card.getByLabel(/Quantity/).selectOption("2");
    await preorderWith(card, "Card that works");
    await expectText(result(card, "limit_exceeded"), "Limit reached: at most 2 per shopper, across all your orders for this drop. Nothing was charged.");
    await expectStock(card, { available: 4, held: 0, sold: 1 });
    await endDrop(drop.id);
  });

  it("the admin creates a pre-order drop from the form, and its board starts fulfilment for every released order at once, then checks one off to delivery", async () => {
    const page = await (await suite.context()).newPage();
    await page.goto(`${suite.server.url}/admin`);
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForLive(page);

    // The create form: kind, release time, and the two waits in units of the admin's choice.
    const name = uniqueName("Vinyl Press");
    const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "New drop" }) });
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Price").fill("35.00");
    await form.getByLabel("Total stock").fill("10");
    await form.getByLabel("Max per shopper").fill("3");
    await form.getByRole("radio", { name: /^Pre-order/ }).check();
    await form.getByLabel("Release at").fill(localInputIn(6_000));
    await form.getByLabel("Fulfil within", { exact: true }).fill("2");
    await form.getByLabel("Fulfil within unit").selectOption({ label: "days" });
    await form.getByLabel("Pickup reminder every", { exact: true }).fill("1");
    await form.getByLabel("Pickup reminder every unit").selectOption({ label: "hours" });
    await form.getByRole("button", { name: "Create drop" }).click();
    await form.getByText("Drop created.").waitFor();
    const created = ok(await api().listDrops()).drops.find((d) => d.name === name)!;
    expect(created).toMatchObject({ kind: "preorder", fulfillGraceSeconds: 172_800, pickupReminderSeconds: 3_600 });

    // Three shoppers order before the release.
    const shoppers = await Promise.all(["ana", "ben", "cy"].map((prefix) => api().shopper(prefix)));
    for (const [index, shopper] of shoppers.entries()) {
      ok(await api().call("POST", "/api/preorders", { token: shopper.token, body: { dropId: created.id, quantity: index + 1, payment: { method: "sim_ok" } } }), 201);
    }

    const board = page.getByTestId("preorder-board");
    await board.getByLabel("Pre-order drop").selectOption({ label: name });
    const column = (title: string) => board.locator(`[data-testid="board-column"][data-column="${title}"]`);
    const count = (title: string) => column(title).getByTestId("column-count");
    // Released by the server's timer; the board asks every 2.5 s.
    await expectText(count("Released"), "3", 15_000);
    await board.getByRole("button", { name: "Start fulfilment for all released orders (3)" }).click();
    await expectText(board.getByTestId("board-message"), "Fulfilment started for 3 orders.");
    await expectText(count("Being prepared"), "3");
    await expectText(count("Released"), "0");

    const order = column("Being prepared").getByTestId("board-order").filter({ hasText: shoppers[1]!.user.username });
    await order.getByRole("button", { name: "Picked up" }).click();
    await expectText(count("Picked up"), "1");
    await column("Picked up").getByTestId("board-order").getByRole("button", { name: "Delivered" }).click();
    await expectText(count("Delivered"), "1");
    await expectText(count("Being prepared"), "2");
    await screenshotOf(board, "admin-preorder-board");
  });
});
