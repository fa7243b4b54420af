import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheckout } from "../checkout/checkout.saga.js";
import type { Purchase } from "../purchases/purchases.schemas.js";
import { checkStock } from "../../test/database.js";
import { PaymentUnreachable } from "./gateway.js";
import { StripePaymentProvider } from "./stripe.js";
import { connectSocket, ok, startTestServer, waitForEvent, type TestServer } from "../../test/server.js";
import { StripeStandIn, type StandInIntent } from "../../test/stripe-stand-in.js";

/**
 * The Stripe provider through HTTP, on the real server and database, against
 * a local stand-in of Stripe's API (server/test/stripe-stand-in.ts), not
 * Stripe itself: the adapter's calls, idempotency keys, error mapping and
 * webhook handling are what is proven here.
 */
describe("the Stripe payment provider", () => {
  let server: TestServer;
  let stripe: StripeStandIn;
  beforeAll(async () => {
    stripe = await new StripeStandIn().start();
    server = await startTestServer({
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: "sk_test_standin",
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE: stripe.url,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await stripe?.stop();
  });

  const holdOn = async (price = "40.00") => {
    const drop = await server.api.createDrop({ totalStock: 5, price });
    const shopper = await server.api.shopper("stripe");
    const hold = ok(await server.api.reserve(shopper.token, drop.id), 201).reservation;
    return { drop, shopper, hold };
  };
  type PayAnswer = { purchase?: Purchase; error?: string; details?: { reason?: string } };
  const pay = (token: string, reservationId: string, method?: string) =>
    server.api.call<PayAnswer>("POST", "/api/purchases", {
      token,
      body: method === undefined ? { reservationId } : { reservationId, payment: { method } },
    });
  const purchaseOf = async (token: string, id: string) => ok(await server.api.call<{ purchase: Purchase }>("GET", `/api/purchases/${id}`, { token })).purchase;
  const holdStatus = async (token: string, id: string) => ok(await server.api.getReservation(token, id)).reservation.status;
  const eventRows = async (id: string) => (await server.db.pool.query("SELECT id FROM stripe_events WHERE id = $1", [id])).rowCount;
  /** A purchase answered 202 on a 3-D Secure card, and its intent at the stand-in. */
  const pendingPurchase = async () => {
    const bought = await holdOn();
    const answer = await pay(bought.shopper.token, bought.hold.id, "pm_card_authenticationRequired");
    expect([answer.status, answer.body.purchase?.status]).toEqual([202, "processing"]);
    const purchase = answer.body.purchase!;
    const intent = [...stripe.intents.values()].find((candidate) => candidate.metadata.purchase_id === purchase.id)!;
    expect(intent.status).toBe("requires_action");
    return { ...bought, purchase, intent };
  };

  it("a card that pays is 201 completed with its tickets; the intent is for the price in cents, confirmed, under the purchase's id", async () => {
    const { drop, shopper, hold } = await holdOn("0.29");
    const answer = await pay(shopper.token, hold.id, "pm_card_visa");
    expect(answer.status).toBe(201);
    const purchase = answer.body.purchase!;
    expect(purchase).toMatchObject({ status: "completed", amountPaid: "0.29" });
    expect(purchase.tickets).toHaveLength(1);
    const intent = [...stripe.intents.values()].find((candidate) => candidate.metadata.purchase_id === purchase.id);
    // 0.29 * 100 is 28.999999999999996 in floating point: the amount must be exact.
    expect(intent).toMatchObject({ amount: 29, currency: "eur", payment_method: "pm_card_visa", confirm: true, status: "succeeded" });
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 1, heldStock: 0, purchasedUnits: 1 });
  });

  it("with a test key and no method named, Stripe's always-approved test card pays", async () => {
    const { shopper, hold } = await holdOn();
    const answer = await pay(shopper.token, hold.id);
    expect(answer.status).toBe(201);
    expect([...stripe.intents.values()].find((i) => i.metadata.purchase_id === answer.body.purchase!.id)?.payment_method).toBe("pm_card_visa");
  });

  it("a method that is not a Stripe PaymentMethod id is a 400 naming the field", async () => {
    const { shopper, hold } = await holdOn();
    const answer = await pay(shopper.token, hold.id, "sim_ok");
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "VALIDATION_ERROR", details: [{ path: "payment.method" }] });
  });

  it("a declined card is 402 with Stripe's decline code; the hold stays active, and another card then buys it", async () => {
    const { drop, shopper, hold } = await holdOn();
    const declined = await pay(shopper.token, hold.id, "pm_card_chargeDeclined");
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ error: "PAYMENT_DECLINED", details: { reason: "generic_decline" } });
    expect(await holdStatus(shopper.token, hold.id)).toBe("active");
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 1, soldStock: 0 });

    const insufficient = await pay(shopper.token, hold.id, "pm_card_insufficientFunds");
    expect(insufficient.body).toMatchObject({ error: "PAYMENT_DECLINED", details: { reason: "insufficient_funds" } });
    expect((await pay(shopper.token, hold.id, "pm_card_visa")).status).toBe(201);
  });

  it("3-D Secure: 202 processing; when the shopper passes it, payment_intent.succeeded completes the purchase and the shopper hears it", async () => {
    const { drop, shopper, purchase, intent } = await pendingPurchase();
    const socket = await connectSocket(server.url, shopper.token);
    try {
      const heard = waitForEvent(socket, "purchaseUpdated", ({ purchase: p }) => p.id === purchase.id && p.status === "completed");
      const delivered = await stripe.sendEvent(server.url, "payment_intent.succeeded", stripe.completeAction(intent.id));
      expect([delivered.status, delivered.body]).toEqual([200, { received: true }]);
      expect((await heard).payload.purchase.tickets).toHaveLength(1);
    } finally {
      socket.close();
    }
    expect(await purchaseOf(shopper.token, purchase.id)).toMatchObject({ status: "completed" });
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 1, heldStock: 0, purchasedUnits: 1 });
  });

  it("3-D Secure failed: the purchase fails with Stripe's reason and the hold is the shopper's again", async () => {
    const { drop, shopper, hold, purchase, intent } = await pendingPurchase();
    const delivered = await stripe.sendEvent(server.url, "payment_intent.payment_failed", stripe.failAction(intent.id));
    expect(delivered.status).toBe(200);
    expect(await purchaseOf(shopper.token, purchase.id)).toMatchObject({ status: "failed", failureReason: "payment_intent_authentication_failure" });
    expect(await holdStatus(shopper.token, hold.id)).toBe("active");
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ heldStock: 1, soldStock: 0 });
  });

  it("an event delivered twice is applied once, and stale or out-of-order events cannot undo a sale", async () => {
    const { drop, shopper, purchase, intent } = await pendingPurchase();
    const stale = stripe.snapshot(intent.id);
    const succeeded = stripe.completeAction(intent.id);

    const first = await stripe.sendEvent(server.url, "payment_intent.succeeded", succeeded);
    const again = await stripe.sendEvent(server.url, "payment_intent.succeeded", succeeded, { id: first.id });
    expect([first.status, again.status, again.body]).toEqual([200, 200, { received: true, duplicate: true }]);
    expect(await eventRows(first.id)).toBe(1);

    // Stripe does not promise order: a requires_action (and a processing) sent before the success arrives after it.
    expect((await stripe.sendEvent(server.url, "payment_intent.requires_action", stale)).status).toBe(200);
    expect((await stripe.sendEvent(server.url, "payment_intent.processing", { ...stale, status: "processing" })).status).toBe(200);

    expect(await purchaseOf(shopper.token, purchase.id)).toMatchObject({ status: "completed" });
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 1, purchasedUnits: 1 });
    expect(stripe.intents.get(intent.id)).toMatchObject({ status: "succeeded", amount_refunded: 0 });
  });

  it("a success event that comes before the charge's own answer is recorded still ends in one sale", async () => {
    const { drop, shopper, hold } = await holdOn();
    const made = stripe.created;
    const release = stripe.holdCreates();
    const answered = pay(shopper.token, hold.id, "pm_card_authenticationRequired");
    try {
      const intent = await stripe.nextIntent(made);
      const delivered = await stripe.sendEvent(server.url, "payment_intent.succeeded", stripe.completeAction(intent.id));
      expect(delivered.status).toBe(200);
    } finally {
      release();
    }
    // Stripe's answer to the create call, sent before the shopper acted, still says requires_action.
    const answer = await answered;
    expect(answer.status).toBe(202);
    const purchaseId = answer.body.purchase!.id;
    await expect.poll(async () => (await purchaseOf(shopper.token, purchaseId)).status, { timeout: 10_000, interval: 200 }).toBe("completed");
    expect(stripe.created).toBe(made + 1);
    expect(await checkStock(server.db.pool, drop.id)).toMatchObject({ soldStock: 1, purchasedUnits: 1 });
  });

  it("a 3-D Secure payment still waiting when the hold's protection runs out is cancelled at Stripe, once, and the hold is the shopper's again", async () => {
    const { shopper, hold, purchase, intent } = await pendingPurchase();
    await server.db.pool.query(`UPDATE reservations SET payment_until = clock_timestamp() - interval '1 second' WHERE id = $1::uuid`, [hold.id]);
    const cancelsBefore = stripe.cancels;

    expect(await runCheckout(server.services, purchase.id)).toMatchObject({ status: "failed", reason: "payment_timeout" });
    expect(await runCheckout(server.services, purchase.id)).toMatchObject({ status: "failed" });
    expect(stripe.intents.get(intent.id)?.status).toBe("canceled");
    expect(stripe.cancels).toBe(cancelsBefore + 1);
    expect(await holdStatus(shopper.token, hold.id)).toBe("active");
    expect(await purchaseOf(shopper.token, purchase.id)).toMatchObject({ status: "failed" });
  });

  it("money taken after the hold has gone is refunded at Stripe, once", async () => {
    const { shopper, hold, purchase, intent } = await pendingPurchase();
    await server.db.pool.query(
      `UPDATE reservations SET created_at = clock_timestamp() - interval '1 minute', expires_at = clock_timestamp() - interval '2 seconds',
         payment_until = clock_timestamp() - interval '1 second' WHERE id = $1::uuid`,
      [hold.id],
    );
    stripe.completeAction(intent.id);
    const refundsBefore = stripe.refunds;

    expect(await runCheckout(server.services, purchase.id)).toMatchObject({ status: "failed", reason: "hold_ended" });
    expect(await runCheckout(server.services, purchase.id)).toMatchObject({ status: "failed" });
    expect((await stripe.sendEvent(server.url, "payment_intent.succeeded", stripe.snapshot(intent.id))).status).toBe(200);
    expect(stripe.refunds).toBe(refundsBefore + 1);
    expect(stripe.intents.get(intent.id)?.amount_refunded).toBe(intent.amount);
    expect(await purchaseOf(shopper.token, purchase.id)).toMatchObject({ status: "failed" });
  });

  it("a webhook whose signature does not verify is a 400 JSON error and changes nothing", async () => {
    const forged = await stripe.sendEvent(server.url, "payment_intent.succeeded", foreignIntent(), { secret: "whsec_not_the_endpoints" });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: "VALIDATION_ERROR" });
    expect(await eventRows(forged.id)).toBe(0);

    const unsigned = await fetch(`${server.url}/api/webhooks/stripe`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ error: "VALIDATION_ERROR" });
  });

  it("events for intents that are not ours, or of other types, are acknowledged and ignored", async () => {
    const delivered = await stripe.sendEvent(server.url, "payment_intent.succeeded", foreignIntent());
    expect([delivered.status, await eventRows(delivered.id)]).toEqual([200, 1]);
    expect((await stripe.sendEvent(server.url, "charge.refunded", foreignIntent())).status).toBe(200);
  });

  /** An intent the server never made (another product on the same Stripe account). */
  function foreignIntent(): StandInIntent {
    return {
      id: "pi_notours",
      object: "payment_intent",
      amount: 1000,
      amount_received: 1000,
      currency: "eur",
      status: "succeeded",
      payment_method: "pm_card_visa",
      confirm: true,
      metadata: { purchase_id: "00000000-0000-4000-8000-000000000000" },
      last_payment_error: null,
      cancellation_reason: null,
      latest_charge: null,
      livemode: false,
      created: 0,
      amount_refunded: 0,
    };
  }
});

describe("without Stripe", () => {
  it("the webhook endpoint does not exist", async () => {
    const server = await startTestServer();
    try {
      const answer = await server.api.call("POST", "/api/webhooks/stripe", { body: {} });
      expect(answer.status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});

describe("the Stripe adapter on its own, against the stand-in", () => {
  let stripe: StripeStandIn;
  let provider: StripePaymentProvider;
  beforeAll(async () => {
    stripe = await new StripeStandIn().start();
    const url = new URL(stripe.url);
    provider = new StripePaymentProvider({
      secretKey: "sk_test_standin",
      webhookSecret: stripe.webhookSecret,
      currency: "eur",
      apiBase: { protocol: "http", host: url.hostname, port: Number(url.port) },
    });
  });
  afterAll(() => stripe?.stop());
  const charge = (key: string, method = "pm_card_visa") => provider.charge({ idempotencyKey: `${key}:charge`, amount: "12.50", shopperId: "s", method });

  it("the same key is one intent; a replayed 'requires_action' is checked against the intent as it is now", async () => {
    const first = await charge("replayed", "pm_card_authenticationRequired");
    expect(first.outcome).toBe("pending");
    stripe.completeAction(first.paymentRef!);
    const made = stripe.created;
    expect(await charge("replayed", "pm_card_authenticationRequired")).toEqual({ outcome: "approved", paymentRef: first.paymentRef });
    expect(stripe.created).toBe(made);
  });

  it("Stripe's 5xx and 429 are for a retry (PaymentUnreachable), and so is Stripe out of reach", async () => {
    // Enough failures for the client's own network retry too; what is left is cleared for the next test.
    stripe.failNext(2, 500);
    await expect(charge("trouble")).rejects.toBeInstanceOf(PaymentUnreachable);
    stripe.failNext(2, 429);
    await expect(charge("limited")).rejects.toBeInstanceOf(PaymentUnreachable);
    stripe.failNext(0);
    const gone = new StripePaymentProvider({ secretKey: "sk_test_standin", webhookSecret: "whsec_x", currency: "eur", apiBase: { protocol: "http", host: "127.0.0.1", port: 1 } });
    await expect(gone.retrieve("pi_anything")).rejects.toBeInstanceOf(PaymentUnreachable);
  });

  it("a refund is made once however often it is asked for; a waiting intent is cancelled instead, once", async () => {
    const paid = await charge("refund-twice");
    const refundsBefore = stripe.refunds;
    await provider.refund(paid.paymentRef!);
    await provider.refund(paid.paymentRef!);
    expect(stripe.refunds).toBe(refundsBefore + 1);
    expect(await provider.retrieve(paid.paymentRef!)).toMatchObject({ outcome: "approved" });

    const waiting = await charge("cancel-twice", "pm_card_threeDSecureRequired");
    const cancelsBefore = stripe.cancels;
    await provider.refund(waiting.paymentRef!);
    await provider.refund(waiting.paymentRef!);
    expect(stripe.cancels).toBe(cancelsBefore + 1);
    expect(await provider.retrieve(waiting.paymentRef!)).toMatchObject({ outcome: "declined", paymentRef: waiting.paymentRef });
  });

  it("accepts Stripe PaymentMethod ids only", () => {
    expect(["pm_card_visa", "pm_1NvL9k2eZvKYlo2C0abcDEF"].every((m) => provider.accepts(m))).toBe(true);
    expect(["sim_ok", "pm_", "card_123", "pm_x y", `pm_${"a".repeat(62)}`].some((m) => provider.accepts(m))).toBe(false);
  });
});
