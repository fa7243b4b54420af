import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { toMinorUnits } from "./stripe-amount.js";

const production = { NODE_ENV: "production", ADMIN_TOKEN: "a".repeat(16), SESSION_SECRET: "s".repeat(16), DATABASE_URL: "postgresql://db/dropline" };
const stripeKeys = { STRIPE_SECRET_KEY: "sk_test_123", STRIPE_WEBHOOK_SECRET: "whsec_123" };

describe("choosing the payment provider", () => {
  it("development falls back to the simulated provider", () => {
    expect(loadConfig({}).payments).toMatchObject({ provider: "simulated", stripe: undefined });
  });

  it("production refuses to start until PAYMENT_PROVIDER is named, and says what to choose", () => {
    expect(() => loadConfig(production)).toThrow(/PAYMENT_PROVIDER is required when NODE_ENV=production: "stripe" .* or "simulated"/);
    expect(loadConfig({ ...production, PAYMENT_PROVIDER: "simulated" }).payments.provider).toBe("simulated");
  });

  it("stripe needs both its secret key and its webhook signing secret", () => {
    expect(() => loadConfig({ PAYMENT_PROVIDER: "stripe" })).toThrow("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required when PAYMENT_PROVIDER=stripe");
    expect(() => loadConfig({ PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: "sk_test_123" })).toThrow("STRIPE_WEBHOOK_SECRET");
    expect(() => loadConfig({ PAYMENT_PROVIDER: "stripe", ...stripeKeys, STRIPE_SECRET_KEY: "pk_test_123" })).toThrow("STRIPE_SECRET_KEY");
    expect(() => loadConfig({ PAYMENT_PROVIDER: "stripe", ...stripeKeys, STRIPE_WEBHOOK_SECRET: "123" })).toThrow("STRIPE_WEBHOOK_SECRET");
  });

  it("stripe's settings: currency in lower case (eur by default), and the API's address when it is not Stripe's", () => {
    expect(loadConfig({ ...production, PAYMENT_PROVIDER: "stripe", ...stripeKeys }).payments.stripe).toEqual({
      secretKey: "sk_test_123",
      webhookSecret: "whsec_123",
      currency: "eur",
      apiBase: undefined,
    });
    const local = loadConfig({ PAYMENT_PROVIDER: "stripe", ...stripeKeys, STRIPE_CURRENCY: "USD", STRIPE_API_BASE: "http://127.0.0.1:12111" });
    expect(local.payments.stripe).toMatchObject({ currency: "usd", apiBase: { protocol: "http", host: "127.0.0.1", port: 12111 } });
    expect(() => loadConfig({ PAYMENT_PROVIDER: "stripe", ...stripeKeys, STRIPE_CURRENCY: "euro" })).toThrow("STRIPE_CURRENCY");
  });
});

describe("amounts in the currency's smallest unit", () => {
  it.each([
    ["398.00", "eur", 39800],
    ["0.29", "eur", 29],
    ["19.9", "usd", 1990],
    ["1.005", "kwd", 1005],
    ["1500", "jpy", 1500],
    ["1500.00", "jpy", 1500],
    ["90071992547409.91", "eur", 9007199254740991],
  ])("%s %s is %i, exactly", (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toBe(minor);
  });

  it.each([
    ["1.5", "jpy"],
    ["0.001", "eur"],
    ["-1.00", "eur"],
    ["1e3", "eur"],
    ["90071992547409.92", "eur"],
  ])("%s %s cannot be charged exactly and is refused", (amount, currency) => {
    expect(() => toMinorUnits(amount, currency)).toThrow();
  });
});
