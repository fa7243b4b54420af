import { expect, it } from "vitest";
import { connectSocket, waitForEvent } from "../../server/test/server.js";
import { describeInBrowser, dropCard, expectStock, expectText, outcome, screenshot, socketSwitch, uniqueName, waitForLive } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

describeInBrowser("shoppers see each other live", () => {
  const suite = browserSuite();

  it("two shoppers see each other's holds and purchases live, and the last unit goes to whoever holds it", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Duo Sneaker"), price: "120.00", totalStock: 2, maxPerUser: 2, holdSeconds: 60 });
    const a = await suite.shopper("alice");
    const b = await suite.shopper("bob", { phone: true });
    const cardA = dropCard(a.page, drop.name);
    const cardB = dropCard(b.page, drop.name);
    await expectStock(cardB, { available: 2, held: 0, sold: 0 });
    await screenshot(b.page, "shopper-idle-phone");

    // A takes a hold: B's page shows it without reloading.
    await cardA.getByRole("button", { name: "Reserve" }).click();
    await cardA.getByTestId("hold-panel").waitFor();
    await expectStock(cardB, { available: 1, held: 1, sold: 0 });
    await screenshot(a.page, "shopper-hold-running");

    // A buys: confirmation on A's page, A's name among B's recent buyers.
    await cardA.getByRole("button", { name: "Complete purchase" }).click();
    await outcome(cardA, "purchased").waitFor();
    expect(await cardA.getByTestId("confirmation-code").textContent()).toMatch(/\S{6,}/);
    await expectText(cardA.getByTestId("amount-paid"), "$120.00");
    await expectStock(cardB, { available: 1, held: 0, sold: 1 });
    await cardB.getByTestId("top-purchasers").getByText(a.username).waitFor();
    await a.page.getByTestId("history").getByText("Bought").waitFor();
    await screenshot(a.page, "shopper-purchased");

    // B reaches for the last unit, but A's second hold lands first: B's request is held back
    // until A holds it, so B's page still offered the unit when B clicked.
    await b.page.route("**/api/reservations", async (route) => {
      await cardA.getByRole("button", { name: "Reserve" }).click();
      await cardA.getByTestId("hold-panel").waitFor();
      await route.continue();
    });
    await cardB.getByRole("button", { name: "Reserve" }).click();
    await outcome(cardB, "sold_out").waitFor();
    expect(await outcome(cardB, "sold_out").textContent()).toContain("Sold out");
    await expectStock(cardB, { available: 0, held: 1, sold: 1 });
    await expectText(cardB.getByTestId("status"), "Sold out");
    await expect.poll(() => cardB.getByRole("button", { name: "Sold out" }).isDisabled()).toBe(true);
    await screenshot(b.page, "shopper-sold-out-phone");
  });

  it("a hold left alone expires on screen and its units come back; a payment that arrives too late is refused", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Short Hold"), totalStock: 4, maxPerUser: 2, holdSeconds: 10 });
    const [a, b, c] = await Promise.all([suite.shopper("carol"), suite.shopper("dave"), suite.shopper("cleo")]);
    const cardA = dropCard(a.page, drop.name);
    const cardB = dropCard(b.page, drop.name);
    const cardC = dropCard(c.page, drop.name);

    await cardA.getByLabel(/Quantity/).selectOption("2");
    await cardA.getByRole("button", { name: "Reserve" }).click();
    const panelA = cardA.getByTestId("hold-panel");
    await panelA.waitFor();
    // A 10 s hold is in its last 10 s from the start: urgent styling at once.
    expect(await panelA.getAttribute("data-urgent")).toBe("true");
    await cardC.getByRole("button", { name: "Reserve" }).click();
    await cardC.getByTestId("hold-panel").waitFor();
    await expectStock(cardB, { available: 1, held: 3, sold: 0 });
    await screenshot(a.page, "shopper-hold-urgent");

    // C pays on a network so slow that the payment reaches the server after the hold ran out.
    const tokenC = await c.page.evaluate(() => JSON.parse(localStorage.getItem("dropline.session") ?? "{}").token as string);
    await c.page.route("**/api/purchases", async (route) => {
      const { reservationId } = route.request().postDataJSON() as { reservationId: string };
      await expect
        .poll(async () => (await suite.server.api.getReservation(tokenC, reservationId)).body.reservation?.status, {
          timeout: 15_000,
          interval: 200,
        })
        .toBe("expired");
      await route.continue();
    });
    await cardC.getByRole("button", { name: "Complete purchase" }).click();

    const expired = outcome(cardA, "expired");
    await expired.waitFor({ timeout: 15_000 });
    expect(await expired.textContent()).toMatch(/hold expired.*went back to stock/i);
    await panelA.waitFor({ state: "detached" });
    await a.page.getByTestId("history").getByText("Expired").waitFor();
    await screenshot(a.page, "shopper-hold-expired");

    const tooLate = outcome(cardC, "too_late");
    await tooLate.waitFor({ timeout: 15_000 });
    expect(await tooLate.textContent()).toMatch(/too late/i);
    await cardC.getByTestId("hold-panel").waitFor({ state: "detached" });

    await expectStock(cardA, { available: 4, held: 0, sold: 0 }, 3_000);
    await expectStock(cardB, { available: 4, held: 0, sold: 0 }, 3_000);
  });

  it("after a lost connection the page says it is reconnecting, then catches up on what it missed", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Flaky Wifi"), totalStock: 5 });
    const context = await suite.context();
    const line = await socketSwitch(context);
    const { page } = await suite.shopper("hank", { context });
    const card = dropCard(page, drop.name);
    await expectStock(card, { available: 5, held: 0, sold: 0 });

    await line.cut();
    await page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor();

    // This stockUpdated goes out while the page cannot hear it: a socket that is connected hears it,
    // and only then is the page's silence worth checking.
    const listener = await connectSocket(suite.server.url);
    try {
      const broadcast = waitForEvent(listener, "stockUpdated", (p) => p.dropId === drop.id && p.heldStock === 1);
      const other = await suite.server.api.shopper("ivy");
      expect((await suite.server.api.reserve(other.token, drop.id)).status).toBe(201);
      await broadcast;
    } finally {
      listener.close();
    }
    expect(await page.getByTestId("connection").getAttribute("data-state")).toBe("reconnecting");
    expect(await card.getByTestId("stock-available").textContent()).toBe("5");

    line.restore();
    await waitForLive(page);
    // Only the refetch on reconnect can know this.
    await expectStock(card, { available: 4, held: 1, sold: 0 });
  });

  it("checks socket payloads against the server's schemas: a malformed one is dropped, the next valid one applied", async () => {
    const drop = await suite.server.api.createDrop({ name: uniqueName("Strict"), totalStock: 10 });
    const context = await suite.context();
    // The checker is a lazy chunk; hold it back to see that events arriving before it wait rather than pass unchecked.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let requested = false;
    await context.route("**/assets/socket-payloads-*.js", async (route) => {
      requested = true;
      await released;
      await route.continue();
    });
    const warnings: string[] = [];
    context.on("console", (message) => {
      if (message.type() === "warning") warnings.push(message.text());
    });
    // stockUpdated frames for this drop that reached the page's socket.
    let framesIn = 0;
    context.on("page", (page) =>
      page.on("websocket", (socket) =>
        socket.on("framereceived", ({ payload }) => {
          if (String(payload).includes("stockUpdated") && String(payload).includes(drop.id)) framesIn++;
        }),
      ),
    );
    const { page } = await suite.shopper("strict", { context });
    const card = dropCard(page, drop.name);
    await expectStock(card, { available: 10, held: 0, sold: 0 });

    const io = suite.server.realtime.io;
    // Far ahead in version: were it applied, the valid update after it would look stale and be ignored.
    io.emit("stockUpdated", { dropId: drop.id, availableStock: "9", heldStock: 1, soldStock: 0, status: "live", version: drop.version + 50 } as never);
    io.emit("stockUpdated", { dropId: drop.id, availableStock: 7, heldStock: 2, soldStock: 1, status: "live", version: drop.version + 1, committedAt: new Date().toISOString() });
    // Both have reached the page, and wait there for the checker: the card still shows what the list said.
    await expect.poll(() => framesIn).toBe(2);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await card.getByTestId("stock-available").textContent()).toBe("10");

    expect(requested).toBe(true);
    release();
    await expectStock(card, { available: 7, held: 2, sold: 1 });
    await expect.poll(() => warnings.find((text) => text.includes("stockUpdated"))).toMatch(/does not match the server's schema \(availableStock: /);

    // Once loaded, checking is immediate: another malformed one is dropped without a second warning.
    io.emit("stockUpdated", { dropId: drop.id, availableStock: 3, status: "gone", version: drop.version + 60 } as never);
    io.emit("stockUpdated", { dropId: drop.id, availableStock: 6, heldStock: 3, soldStock: 1, status: "live", version: drop.version + 2, committedAt: new Date().toISOString() });
    await expectStock(card, { available: 6, held: 3, sold: 1 });
    expect(warnings.filter((text) => text.includes("stockUpdated"))).toHaveLength(1);
  });
});
