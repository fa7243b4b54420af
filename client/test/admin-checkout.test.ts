import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { codeSentTo } from "../../server/test/contacts.js";
import { ADMIN_TOKEN } from "../../server/test/server.js";
import { describeInBrowser, dropCard, outcome, repoRoot, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

/** Like support's `screenshot`, of one part of the page: the admin page is long. */
async function screenshotOf(locator: Locator, name: string) {
  const dir = path.join(repoRoot, "test-results", "screenshots");
  await mkdir(dir, { recursive: true });
  await locator.screenshot({ path: path.join(dir, `${name}.png`) });
}

async function payWith(card: Locator, method: string) {
  await card.getByLabel("Pay with").selectOption({ label: method });
  await card.getByRole("button", { name: "Complete purchase" }).click();
}

describeInBrowser("the admin's checkout section in a real browser", () => {
  const suite = browserSuite();

  async function openAdmin(): Promise<Page> {
    const page = await (await suite.context()).newPage();
    await page.goto(`${suite.server.url}/admin`);
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForLive(page);
    return page;
  }

  it("shows a declined payment in the live failures, its hold's timeline, the shopper's confirmation email as they would read it, and checks a ticket in once", async () => {
    // The admin page is open first: the failure must arrive by its refresh, not by a reload.
    const admin = await openAdmin();
    const failures = admin.getByTestId("failures");
    await failures.getByText(/No failures|card_declined/).first().waitFor();
    await failures.locator('[data-testid="failures-live"][data-live="true"]').waitFor();

    // A shopper gives an email address for confirmations, is declined once, then pays.
    const drop = await suite.server.api.createDrop({ name: uniqueName("Door Test"), price: "30.00", totalStock: 5, maxPerUser: 1 });
    const { page } = await suite.shopper("eve");
    const email = `eve-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const history = page.getByTestId("history");
    await history.getByRole("button", { name: "Confirmations by email or SMS" }).click();
    await history.getByLabel("Email", { exact: true }).fill(email);
    await history.getByRole("button", { name: "Save" }).click();
    await history.getByText("Saved.").waitFor();
    // The confirmation goes to a confirmed address only: the code (kept in the outbox here, no SMTP) entered as its owner would.
    const codeEntry = history.getByTestId("email-code");
    await codeEntry.getByLabel("Email code").fill(await codeSentTo(suite.server.api, email));
    await codeEntry.getByRole("button", { name: "Confirm", exact: true }).click();
    await history.getByTestId("email-confirmed").waitFor();

    const card = dropCard(page, drop.name);
    await card.getByRole("button", { name: "Reserve" }).click();
    await payWith(card, "Card that is declined");
    await outcome(card, "declined").waitFor();
    const reservationId = await page.getByTestId("history-hold").first().getAttribute("data-reservation-id");
    expect(reservationId).toBeTruthy();
    await payWith(card, "Card that works");
    await outcome(card, "purchased").waitFor();
    const confirmation = (await card.getByTestId("confirmation-code").textContent())!.trim();
    const ticketCode = (await card.getByTestId("ticket-code").first().textContent())!.trim();

    // (a) The declined group appears within a refresh or two, with this hold among its ids.
    const declined = failures.locator('[data-testid="failure-group"][data-reason="card_declined"]');
    await declined.waitFor({ timeout: 6_000 });
    const holdButton = declined.getByRole("button", { name: reservationId!, exact: true });
    await holdButton.waitFor();
    expect(Number(await declined.getByTestId("failure-count").textContent())).toBeGreaterThanOrEqual(1);

    // (b) Its id opens that hold's timeline (the admin route).
    await holdButton.click();
    const timeline = admin.getByTestId("admin-timeline");
    await timeline.getByText("Payment declined: card_declined").waitFor();
    await timeline.getByText(`Purchase completed ${confirmation}`).waitFor();
    await screenshotOf(admin.getByRole("region", { name: "Checkout" }).locator("> div").first(), "admin-failures");

    // (c) The outbox shows the confirmation email as the shopper reads it: rendered HTML in a sandboxed frame.
    const outbox = admin.getByTestId("outbox");
    const mail = outbox.locator('[data-testid="outbox-message"][data-channel="email"]').filter({ hasText: email }).filter({ hasText: confirmation });
    await mail.first().waitFor({ timeout: 8_000 });
    const frame = mail.first().locator("iframe");
    expect(await frame.getAttribute("sandbox")).toBe("");
    await mail.first().frameLocator("iframe").getByText(confirmation, { exact: false }).first().waitFor();
    await mail.first().getByText(/\d+ attempts?/).waitFor();
    // Filtering by another status leaves it out, and "All" brings it back.
    const shownStatus = (await mail.first().getAttribute("data-status"))!;
    const other = shownStatus === "failed" ? "Sent" : "Failed";
    await outbox.getByLabel("Status").selectOption({ label: other });
    await expect.poll(() => mail.count(), { timeout: 5_000 }).toBe(0);
    await outbox.getByLabel("Status").selectOption({ label: "All" });
    await mail.first().waitFor();
    await screenshotOf(outbox, "admin-outbox");

    // (d) Check-in: once, then "already used".
    const checkIn = admin.getByTestId("check-in");
    await checkIn.getByPlaceholder("Ticket code").fill(ticketCode);
    await checkIn.getByRole("button", { name: "Check in" }).click();
    await checkIn.locator('[data-testid="check-in-result"][data-tone="ok"]').getByText(`Checked in: ticket ${ticketCode}`).waitFor();
    await checkIn.getByRole("button", { name: "Check in" }).click();
    await checkIn.locator('[data-testid="check-in-result"][data-tone="warn"]').getByText(/^Already used/).waitFor();
    await checkIn.getByPlaceholder("Ticket code").fill("NO-SUCH-TICKET");
    await checkIn.getByRole("button", { name: "Check in" }).click();
    await checkIn.locator('[data-testid="check-in-result"][data-tone="error"]').waitFor();
  });
});
