import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";

describe("notification settings", () => {
  it("default to keeping everything in the outbox, relayed every 500 ms", () => {
    expect(loadConfig({}).notifications).toEqual({
      smtpUrl: undefined,
      mailFrom: "Dropline <no-reply@dropline.local>",
      sms: undefined,
      relayMs: 500,
    });
  });

  it("take an SMTP URL, a sender and the SMS webhook", () => {
    const config = loadConfig({
      SMTP_URL: "smtps://user:pa%40ss@smtp.example.com:465",
      MAIL_FROM: "Shop <orders@shop.example.com>",
      SMS_PROVIDER: "webhook",
      SMS_WEBHOOK_URL: "https://acct:key@sms.example.com/send",
      OUTBOX_RELAY_MS: "250",
    });
    expect(config.notifications).toEqual({
      smtpUrl: "smtps://user:pa%40ss@smtp.example.com:465",
      mailFrom: "Shop <orders@shop.example.com>",
      sms: { provider: "webhook", webhookUrl: "https://acct:key@sms.example.com/send" },
      relayMs: 250,
    });
  });

  it.each([
    [{ SMTP_URL: "https://smtp.example.com" }, /SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/],
    [{ SMS_PROVIDER: "twilio" }, /SMS_PROVIDER: the one SMS adapter/],
    [{ SMS_PROVIDER: "webhook" }, /SMS_WEBHOOK_URL is required when SMS_PROVIDER=webhook/],
    [{ SMS_PROVIDER: "webhook", SMS_WEBHOOK_URL: "ftp://x.example.com" }, /SMS_WEBHOOK_URL: must be an http/],
    [{ OUTBOX_RELAY_MS: "10" }, /OUTBOX_RELAY_MS/],
  ])("refuse %j at start-up, saying what to fix", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
