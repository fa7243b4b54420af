import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { ADMIN_TOKEN, ok } from "../../server/test/server.js";
import { describeInBrowser, dropCard, expectText, outcome, screenshot, socketSwitch, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/** The card's waiting room showing one of its views (not_open, join, pre_queue, waiting, admitted, done, closed). */
const room = (card: Locator, view: string) => card.locator(`[data-testid="waiting-room"][data-view="${view}"]`);

const tokenOf = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem("dropline.session") ?? "{}").token as string);

describeInBrowser("the waiting room", () => {
  // A quick admission tick, so the line reacts within a few tens of milliseconds.
  const suite = browserSuite({ QUEUE_TICK_MS: "50" });
  const api = () => suite.server.api;

  /** Ends a drop, so the next test's pages (and screenshots) show only their own. */
  async function endDrop(dropId: string) {
    ok(await api().updateDrop(dropId, { endsAt: isoIn(100) }));
  }

  it("counts down to the line opening and to the draw, keeps the pre-queue place on reload, lets in at the start, and a turn left alone passes", async () => {
    const drop = await api().createDrop({
      name: uniqueName("Night Runner"),
      price: "140.00",
      totalStock: 5,
      startsAt: isoIn(7_000),
      queue: { admitPerSecond: 20, admissionSeconds: 3, opensAt: isoIn(4_000) },
    });
    const { page } = await suite.shopper("early", { phone: true });
    const card = dropCard(page, drop.name);

    await room(card, "not_open").waitFor();
    expect(await card.getByTestId("opens-countdown").textContent()).toMatch(/^0:0[1-4]$/);
    await screenshot(page, "waiting-room-not-open-phone");

    // At opensAt the button appears by itself: no reload, no message needed.
    await card.getByRole("button", { name: "Join the line" }).click({ timeout: 5_000 });
    await room(card, "pre_queue").waitFor();
    expect(await card.getByTestId("draw-countdown").textContent()).toMatch(/^0:0[1-6]$/);
    // Someone else joins the pre-queue through the API: the line's length reaches the page live.
    const other = await api().shopper("other");
    expect(ok(await api().joinQueue(other.token, drop.id), 201)).toMatchObject({ status: "pre_queue", number: null });
    await expectText(card.getByTestId("line-length"), "2");
    await screenshot(page, "waiting-room-pre-queue-phone");

    // A reload finds the same place (GET /queue/me), not a "Join" button.
    await page.reload();
    await waitForLive(page);
    await room(card, "pre_queue").waitFor();

    // The draw at the start gives both a number; stock is plenty, so both are let in at once.
    await room(card, "admitted").waitFor({ timeout: 8_000 });
    await card.getByText(/It's your turn: reserve within 0:0[1-3]/).waitFor();
    const token = await tokenOf(page);
    const drawn = ok(await api().queueEntry(token, drop.id));
    expect(drawn.status).toBe("admitted");
    expect([1, 2]).toContain(drawn.number);

    // Left alone, the turn passes; joining again gives a new place at the back (number 3), let in again.
    await room(card, "join").getByText("Your turn passed").waitFor({ timeout: 6_000 });
    await card.getByRole("button", { name: "Join the line again" }).click();
    await room(card, "admitted").waitFor({ timeout: 5_000 });
    expect(ok(await api().queueEntry(token, drop.id))).toMatchObject({ status: "admitted", number: 3 });

    // This time the shopper reserves: the ordinary hold panel takes over, and the entry is done.
    await card.getByRole("button", { name: "Reserve" }).click();
    await card.getByTestId("hold-panel").waitFor();
    expect(ok(await api().queueEntry(token, drop.id)).status).toBe("done");
    await endDrop(drop.id);
  });

  it("shows the place in line moving live, pauses while all is held, lets the shopper in to reserve and buy, and closes the line when sold out", async () => {
    const drop = await api().createDrop({
      name: uniqueName("Last Two"),
      price: "260.00",
      totalStock: 2,
      startsAt: isoIn(2_000),
      queue: { admitPerSecond: 20, admissionSeconds: 60 },
    });
    // Two shoppers in the pre-queue take both units' admissions at the start.
    const [x, y, b] = await Promise.all([api().shopper("x"), api().shopper("y"), api().shopper("b")]);
    ok(await api().joinQueue(x.token, drop.id), 201);
    ok(await api().joinQueue(y.token, drop.id), 201);
    await expect
      .poll(async () => (await Promise.all([x, y].map(async (s) => ok(await api().queueEntry(s.token, drop.id)).status))).join(), { timeout: 8_000, interval: 100 })
      .toBe("admitted,admitted");
    // After the start, joiners take the next numbers: b is 3, the page's shopper 4.
    expect(ok(await api().joinQueue(b.token, drop.id), 201)).toMatchObject({ status: "waiting", number: 3, position: 1 });

    const a = await suite.shopper("ann", { phone: true });
    const card = dropCard(a.page, drop.name);
    await card.getByRole("button", { name: "Join the line" }).click();
    const place = room(card, "waiting");
    await place.waitFor();
    await expectText(card.getByTestId("queue-number"), "4");
    await expectText(card.getByTestId("queue-position"), "2");
    await expectText(card.getByTestId("queue-wait"), "less than a minute");
    const progressAtJoin = Number(await card.getByRole("progressbar").getAttribute("aria-valuenow"));
    await screenshot(a.page, "waiting-room-in-line-phone");
    // Nothing sticks out sideways on a 390 px phone.
    expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // A reload keeps the number.
    await a.page.reload();
    await waitForLive(a.page);
    await place.waitFor();
    await expectText(card.getByTestId("queue-number"), "4");

    // One more behind, on a desktop page: number 5, third in line.
    const c = await suite.shopper("cy");
    const cardC = dropCard(c.page, drop.name);
    await cardC.getByRole("button", { name: "Join the line" }).click();
    await expectText(cardC.getByTestId("queue-position"), "3");

    // x and y take their holds: every unit is held, so the line pauses.
    const holdX = ok(await api().reserve(x.token, drop.id), 201).reservation;
    const holdY = ok(await api().reserve(y.token, drop.id), 201).reservation;
    await card.getByTestId("line-paused").waitFor({ timeout: 5_000 });
    await screenshot(a.page, "waiting-room-paused-phone");

    // x lets go: b is let in, and the page moves to first in line by itself.
    ok(await api().cancelReservation(x.token, holdX.id));
    await expectText(card.getByTestId("queue-position"), "1");
    await card.getByTestId("line-paused").waitFor({ state: "detached" });
    expect(Number(await card.getByRole("progressbar").getAttribute("aria-valuenow"))).toBeGreaterThan(progressAtJoin);
    await expectText(cardC.getByTestId("queue-position"), "2");

    // b holds (paused again), then y lets go: the unit comes back and it is the page's turn.
    const holdB = ok(await api().reserve(b.token, drop.id), 201).reservation;
    ok(await api().cancelReservation(y.token, holdY.id));
    await room(card, "admitted").waitFor({ timeout: 5_000 });
    await card.getByText(/It's your turn: reserve within (1:00|0:5\d)/).waitFor();
    await screenshot(a.page, "waiting-room-your-turn-phone");
    expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Reserving and buying go as on any drop.
    await card.getByRole("button", { name: "Reserve" }).click();
    await card.getByTestId("hold-panel").waitFor();
    await card.getByRole("button", { name: "Complete purchase" }).click();
    await outcome(card, "purchased").waitFor();
    await room(card, "done").waitFor();

    // b buys the last unit: nothing is left or held, so the line closes and c's place is sold out.
    // The broadcast alone tells c's page: a closing line must not send every open page to the server.
    const asked: string[] = [];
    c.page.on("request", (request) => {
      if (request.url().includes("/queue/me")) asked.push(request.url());
    });
    ok(await api().purchase(b.token, holdB.id), 201);
    await expectText(room(cardC, "closed").getByTestId("line-closed"), "Sold out: the line is closed.");
    expect(asked).toEqual([]);
    expect(ok(await api().queueEntry(await tokenOf(c.page), drop.id)).status).toBe("sold_out");
    await screenshot(c.page, "waiting-room-sold-out");
    await endDrop(drop.id);
  });

  it("leaving the line asks first, and joining again goes to the back", async () => {
    const drop = await api().createDrop({ name: uniqueName("Slow Lane"), totalStock: 1, queue: { admitPerSecond: 5, admissionSeconds: 60 } });
    // The one unit's admission goes to someone else, so the page's shopper waits.
    const first = await api().shopper("first");
    ok(await api().joinQueue(first.token, drop.id), 201);
    const { page } = await suite.shopper("leaver", { phone: true });
    const card = dropCard(page, drop.name);
    await card.getByRole("button", { name: "Join the line" }).click();
    await expectText(card.getByTestId("queue-number"), "2");

    await card.getByRole("button", { name: "Leave the line" }).click();
    await card.getByRole("button", { name: "Stay in line" }).click();
    await room(card, "waiting").waitFor();
    await card.getByRole("button", { name: "Leave the line" }).click();
    await card.getByRole("button", { name: "Yes, leave" }).click();
    await room(card, "join").getByText("You left the line.").waitFor();
    expect(ok(await api().queueEntry(await tokenOf(page), drop.id)).status).toBe("left");

    await card.getByRole("button", { name: "Join the line again" }).click();
    await expectText(card.getByTestId("queue-number"), "3");
    await endDrop(drop.id);
  });

  it("a shopper not in line loads the page, and reconnects, without asking GET /queue/me (no failed request, no console error); in line, a reload asks once", async () => {
    const [open, later] = await Promise.all([
      api().createDrop({ name: uniqueName("Open Line"), totalStock: 3, queue: { admitPerSecond: 5, admissionSeconds: 60 } }),
      api().createDrop({ name: uniqueName("Later Line"), totalStock: 3, startsAt: isoIn(3_600_000), queue: { admitPerSecond: 5, admissionSeconds: 60 } }),
    ]);
    const context = await suite.context();
    const line = await socketSwitch(context);
    const { page } = await suite.shopper("passerby", { context });
    const asked: string[] = [];
    const failed: string[] = [];
    const consoleErrors: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/queue/me")) asked.push(`${request.method()} ${request.url()}`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });

    // A fresh load, as a shopper comes back to the page: two waiting rooms, neither asks.
    await page.reload();
    await waitForLive(page);
    await room(dropCard(page, open.name), "join").waitFor();
    await room(dropCard(page, later.name), "not_open").waitFor();
    await page.waitForLoadState("networkidle");
    expect(asked).toEqual([]);
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);

    // Joined meanwhile in another tab (here, the API): the page learns it when it reconnects, with no 404 on the way.
    await line.cut();
    await page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor();
    ok(await api().joinQueue(await tokenOf(page), open.id), 201);
    line.restore();
    await waitForLive(page);
    // Let in at once (stock is plenty), or still waiting for the next tick: either way in line, not "Join".
    const card = dropCard(page, open.name);
    await room(card, "admitted").or(room(card, "waiting")).waitFor();
    expect(failed).toEqual([]);

    // In line, a reload asks once for the place the list gave (it may be from before a hold), and is answered.
    asked.length = 0;
    await page.reload();
    await waitForLive(page);
    await room(card, "admitted").or(room(card, "waiting")).waitFor();
    await page.waitForLoadState("networkidle");
    expect(asked).toEqual([`GET ${suite.server.url}/api/drops/${open.id}/queue/me`]);
    expect(failed).toEqual([]);
    await endDrop(open.id);
    ok(await api().updateDrop(later.id, { startsAt: isoIn(-1_000), endsAt: isoIn(100) }));
  });

  async function signedInAdmin(options: { phone?: boolean } = {}): Promise<Page> {
    const page = await (await suite.context(options)).newPage();
    await page.goto(`${suite.server.url}/admin`);
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForLive(page);
    return page;
  }

  it("admin: creates a drop with a waiting room from the form, watches its line live, and turns it off", async () => {
    const page = await signedInAdmin();

    const name = uniqueName("Crowd Pleaser");
    const form = page.getByRole("form", { name: "New drop" });
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Price").fill("75.00");
    await form.getByLabel("Total stock").fill("3");
    await form.getByLabel(/Shoppers join a line/).check();
    // The server's messages for the waiting room's fields land next to them.
    await form.getByLabel("Let in per second").fill("0");
    await form.getByRole("button", { name: "Create drop" }).click();
    await expectText(form.getByTestId("error-admitPerSecond"), "must be at least 1");
    await form.getByLabel("Let in per second").fill("2");
    await form.getByLabel("Seconds to reserve").fill("30");
    await form.getByRole("button", { name: "Create drop" }).click();
    await form.getByText("Drop created.").waitFor();

    const row = page.getByTestId("drops-table").locator("tr", { hasText: name });
    const summary = row.getByTestId("row-queue");
    await summary.waitFor();
    const dropId = (await row.getAttribute("data-drop-id"))!;
    // Five shoppers join: three are let in (one per unit), at two a second; two wait.
    const shoppers = await Promise.all([1, 2, 3, 4, 5].map(() => api().shopper("crowd")));
    for (const shopper of shoppers) ok(await api().joinQueue(shopper.token, dropId), 201);
    await expectText(row.getByTestId("row-queue-through"), "3", 8_000);
    await expectText(row.getByTestId("row-queue-length"), "2");
    expect(await summary.getAttribute("data-state")).toBe("admitting");

    // Manage: the details show the same line, with its settings.
    await page.getByRole("button", { name: `Manage ${name}` }).click();
    const panel = page.getByTestId("line-panel");
    await expectText(panel.getByTestId("queue-through"), "#3");
    await expectText(panel.getByTestId("queue-length"), "2");
    await expectText(panel.getByTestId("queue-rate"), "2 per second");
    await expectText(panel.getByTestId("queue-admission"), "30 s");

    // Every unit held: the state reads paused, live.
    await Promise.all(shoppers.slice(0, 3).map(async (shopper) => ok(await api().reserve(shopper.token, dropId), 201)));
    await expectText(panel.getByTestId("queue-state"), "Paused: all held");
    expect(await summary.getAttribute("data-state")).toBe("paused");
    await screenshot(page, "admin-waiting-room");

    // On a phone each row is a card; the line's summary fits in it.
    const phone = await signedInAdmin({ phone: true });
    await phone.locator(`[data-drop-id="${dropId}"]`).getByTestId("row-queue").waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone, "admin-waiting-room-phone");

    // Turning it off in the edit form removes the line.
    const edit = page.getByRole("form", { name: `Edit ${name}` });
    await edit.getByLabel(/Shoppers join a line/).uncheck();
    await edit.getByRole("button", { name: "Save changes" }).click();
    await edit.getByText("Saved.").waitFor();
    await summary.waitFor({ state: "detached" });
    await expectText(panel, "No waiting room: shoppers reserve directly.");
    expect(ok(await api().getDrop(dropId)).queue).toBeNull();
  });
});
