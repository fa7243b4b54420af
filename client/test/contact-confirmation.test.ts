import { expect, it } from "vitest";
import { codeMessagesTo, codeSentTo } from "../../server/test/contacts.js";
import { describeInBrowser, screenshot } from "./support/browser.js";
import { browserSuite } from "./support/fixture.js";

/** Another 6-digit code than `code`. */
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describeInBrowser("confirming an email in a real browser", () => {
  const suite = browserSuite();

  it("asks for the code sent to a new email, says a wrong one is wrong, sends a new one on request, and shows the address confirmed", async () => {
    const { page, username } = await suite.shopper("cora");
    const email = `cora-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const history = page.getByTestId("history");
    await history.getByRole("button", { name: "Confirmations by email or SMS" }).click();
    await history.getByLabel("Email", { exact: true }).fill(email);
    await history.getByRole("button", { name: "Save" }).click();

    // The address is kept, not confirmed: the page asks for the code sent to it.
    const entry = history.getByTestId("email-code");
    await entry.getByText(email).waitFor();
    expect(await history.getByTestId("email-confirmed").count()).toBe(0);
    const first = await codeSentTo(suite.server.api, email);

    await entry.getByLabel("Email code").fill(otherCode(first));
    await entry.getByRole("button", { name: "Confirm" }).click();
    await entry.getByText(/That code is wrong, used or expired/).waitFor();

    await entry.getByRole("button", { name: "Send a new code" }).click();
    await entry.getByText(`A new code is on its way to ${email}.`).waitFor();
    expect(await codeMessagesTo(suite.server.api, email)).toHaveLength(2);
    await entry.getByLabel("Email code").fill(await codeSentTo(suite.server.api, email));
    await screenshot(page, "contact-code");
    await entry.getByRole("button", { name: "Confirm" }).click();

    await history.getByTestId("email-confirmed").waitFor();
    await entry.waitFor({ state: "detached" });
    await screenshot(page, "contact-confirmed");
    const { rows } = await suite.server.db.pool.query(`SELECT email, pending_email FROM users WHERE username = $1`, [username]);
    expect(rows[0]).toEqual({ email, pending_email: null });

    // A reload reads it back confirmed from the server.
    await page.reload();
    await history.getByRole("button", { name: "Confirmations by email or SMS" }).click();
    await history.getByTestId("email-confirmed").waitFor();
    expect(await history.getByTestId("email-code").count()).toBe(0);
  });
});
