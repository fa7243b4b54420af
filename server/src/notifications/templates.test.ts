import { describe, expect, it } from "vitest";
import { renderMessage, TemplateError, type PurchaseCompletedData } from "./templates.js";

const purchase: PurchaseCompletedData = {
  dropName: "Night Run <Limited>",
  dropId: "d1",
  username: "ana_01",
  quantity: 2,
  amountPaid: "99.00",
  confirmationCode: "DL-7K2M-9QXP",
  purchaseId: "p1",
  tickets: ["TK-AAAA", "TK-BBBB"],
};

describe("message templates", () => {
  it("purchase_completed email: code, quantity, amount, each ticket with its QR path, in text and HTML", () => {
    const message = renderMessage("purchase_completed", "email", purchase);
    expect(message.subject).toBe("Your order for Night Run <Limited>: DL-7K2M-9QXP");
    for (const part of [message.text, message.html!]) {
      expect(part).toContain("DL-7K2M-9QXP");
      expect(part).toContain("99.00");
      expect(part).toContain("/api/tickets/TK-AAAA/qr.svg");
      expect(part).toContain("/api/tickets/TK-BBBB/qr.svg");
    }
    expect(message.text).toContain("Quantity: 2");
    expect(message.text).toContain("2 units of Night Run <Limited>");
    // Names come from admins: in HTML they are text, never markup.
    expect(message.html).toContain("Night Run &lt;Limited&gt;");
    expect(message.html).not.toContain("<Limited>");
  });

  it("purchase_completed SMS: short, with the code and the tickets, no subject or HTML", () => {
    const message = renderMessage("purchase_completed", "sms", { ...purchase, tickets: ["TK-AAAA"] });
    expect(message).toEqual({ text: "Dropline: Night Run <Limited> x2 paid 99.00. Code DL-7K2M-9QXP. Ticket TK-AAAA" });
    expect(message.text.length).toBeLessThanOrEqual(160);
  });

  it("cart_expired email: the drop, and that the units went back to stock", () => {
    const message = renderMessage("cart_expired", "email", { dropName: "Jacket", dropId: "d2", quantity: 1, username: "bo" });
    expect(message.subject).toBe("Your hold on Jacket ran out");
    expect(message.text).toContain("Your hold on 1 unit of Jacket ran out");
    expect(message.text).toContain("the units went back to stock");
    expect(message.html).toContain("<strong>Jacket</strong>");
  });

  it("contact_code email and SMS: the code, how long it works, and that ignoring it is safe", () => {
    const data = { code: "042917", purpose: "confirm", minutes: 10 };
    const email = renderMessage("contact_code", "email", data);
    expect(email.subject).toBe("Your Dropline code: 042917");
    for (const part of [email.text, email.html!]) {
      expect(part).toContain("042917");
      expect(part).toContain("10 minutes");
      expect(part).toContain("nothing else is sent to this address unless the code is entered");
    }
    const sms = renderMessage("contact_code", "sms", data);
    expect(sms.text).toMatch(/^042917 is your Dropline code/);
    expect(sms.text.length).toBeLessThanOrEqual(160);
    expect(() => renderMessage("contact_code", "email", { ...data, code: "42917" })).toThrow(/code/);
  });

  it("refuses an unknown template or data that does not fit, saying what is wrong", () => {
    expect(() => renderMessage("welcome", "email", {})).toThrow(TemplateError);
    expect(() => renderMessage("purchase_completed", "email", { ...purchase, tickets: "TK" })).toThrow(/tickets/);
  });
});
