import Stripe from "stripe";
import type { StripeConfig } from "../config.js";
import { logger } from "../log.js";
import { PaymentUnreachable, type ChargeRequest, type ChargeResult, type PaymentGateway } from "./gateway.js";
import { toMinorUnits } from "./stripe-amount.js";

/** A PaymentMethod id (`pm_1N...`) or one of Stripe's test ones (`pm_card_visa`); the schema caps it at 64. */
const PAYMENT_METHOD = /^pm_[A-Za-z0-9_]{1,61}$/;

/** Below PAYMENT_TIMEOUT_MS's range top: a request this slow is answered 202 long before, and the saga asks again later. */
const REQUEST_TIMEOUT_MS = 20_000;

/**
 * Payments through Stripe PaymentIntents, created and confirmed in one call
 * with the shopper's PaymentMethod. The checkout step's key is Stripe's
 * idempotency key, so a retry, a crash or a second process never makes a
 * second intent. Stripe's own word on an intent's state is always asked for
 * (`retrieve`) rather than taken from a webhook's body, so events that come
 * late or out of order cannot move a purchase backwards.
 */
export class StripePaymentProvider implements PaymentGateway {
  /** Test keys default to Stripe's always-approved test card (the shop's page sends no method); live keys have no default. */
  readonly defaultMethod: string;
  readonly stripe: Stripe;

  constructor(private readonly config: StripeConfig) {
    this.defaultMethod = /^(sk|rk)_test_/.test(config.secretKey) ? "pm_card_visa" : "";
    this.stripe = new Stripe(config.secretKey, {
      // The saga retries with its own backoff and timeline entries; one quick network retry here covers a dropped connection.
      maxNetworkRetries: 1,
      timeout: REQUEST_TIMEOUT_MS,
      telemetry: false,
      ...config.apiBase,
    });
  }

  accepts(method: string): boolean {
    return PAYMENT_METHOD.test(method);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    // The step key is `<purchase id>:charge`: the purchase id lets a webhook find its purchase before the answer is recorded.
    const purchaseId = request.idempotencyKey.split(":")[0] ?? request.idempotencyKey;
    let intent: Stripe.Response<Stripe.PaymentIntent>;
    try {
      intent = await this.stripe.paymentIntents.create(
        {
          amount: toMinorUnits(request.amount, this.config.currency),
          currency: this.config.currency,
          payment_method: request.method,
          confirm: true,
          // No page of ours to come back to: methods that must redirect the shopper away are not offered; cards (3-D Secure too) are.
          automatic_payment_methods: { enabled: true, allow_redirects: "never" },
          metadata: { purchase_id: purchaseId, shopper_id: request.shopperId },
        },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      return declineOrThrow(error, "charge");
    }
    // Stripe replays the first answer to a repeated key, however old: after a crash that answer may say
    // "requires_action" about an intent that has since succeeded, so a replayed one is asked again.
    if (intent.lastResponse?.headers?.["idempotent-replayed"] === "true" && intent.status !== "succeeded") return this.retrieve(intent.id);
    return toResult(intent);
  }

  async retrieve(paymentRef: string): Promise<ChargeResult> {
    try {
      return toResult(await this.stripe.paymentIntents.retrieve(paymentRef));
    } catch (error) {
      return declineOrThrow(error, "retrieve");
    }
  }

  /**
   * Money taken goes back (a refund); an intent still waiting for the
   * shopper or the bank is cancelled, so it can never take money later. The
   * state decides which, and is read again when it moved under us (a
   * cancel racing the shopper's 3-D Secure answer).
   */
  async refund(paymentRef: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const intent = await this.stripe.paymentIntents.retrieve(paymentRef);
        if (intent.status === "canceled") return;
        if (intent.status === "succeeded") {
          // A second refund under the same key is Stripe's replay of the first, never a second refund.
          await this.stripe.refunds.create({ payment_intent: paymentRef }, { idempotencyKey: `${paymentRef}:refund` });
          return;
        }
        await this.stripe.paymentIntents.cancel(paymentRef);
        return;
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError) {
          if (error.code === "charge_already_refunded") return;
          if (error.code === "payment_intent_unexpected_state") continue;
        }
        throw unreachableOr(error, "refund");
      }
    }
    throw new PaymentUnreachable(`Stripe: the payment ${paymentRef} kept changing state while being refunded`);
  }
}

/** succeeded is money taken; the states still waiting on someone are pending; the rest will never pay. */
function toResult(intent: Stripe.PaymentIntent): ChargeResult {
  switch (intent.status) {
    case "succeeded":
      return { outcome: "approved", paymentRef: intent.id };
    // requires_capture comes only with manual capture, which this shop never asks for: it waits like any pending payment.
    case "requires_action":
    case "processing":
    case "requires_confirmation":
    case "requires_capture":
      return { outcome: "pending", paymentRef: intent.id };
    case "canceled":
      return { outcome: "declined", reason: intent.cancellation_reason ? `canceled_${intent.cancellation_reason}` : "canceled", paymentRef: intent.id };
    case "requires_payment_method":
    default: {
      const failure = intent.last_payment_error;
      return { outcome: "declined", reason: failure?.decline_code ?? failure?.code ?? "payment_failed", paymentRef: intent.id };
    }
  }
}

/** A card that says no is an answer (declined); Stripe not answering, or answering 5xx/429/409, is for a retry. */
function declineOrThrow(error: unknown, step: string): ChargeResult {
  if (error instanceof Stripe.errors.StripeCardError) {
    return { outcome: "declined", reason: error.decline_code ?? error.code ?? "card_declined", paymentRef: error.payment_intent?.id };
  }
  // A PaymentMethod that does not exist or cannot be used is the shopper's to fix, like a decline.
  if (error instanceof Stripe.errors.StripeInvalidRequestError && error.param === "payment_method") {
    return { outcome: "declined", reason: error.code ?? "invalid_payment_method", paymentRef: error.payment_intent?.id };
  }
  throw unreachableOr(error, step);
}

function unreachableOr(error: unknown, step: string): Error {
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    error instanceof Stripe.errors.StripeAPIError ||
    (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500) ||
    // 409: the same key still in use by another call (a retry overlapping the first); asking again shortly gets its answer.
    (error instanceof Stripe.errors.StripeError && error.statusCode === 409)
  ) {
    return new PaymentUnreachable(`Stripe ${step}: ${error.message}`);
  }
  // A revoked key is an outage to the shopper (503, the hold kept), and an alarm to whoever runs the shop.
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    logger.error({ event: "payment.stripe_key_refused", step, error: error.message });
    return new PaymentUnreachable(`Stripe ${step}: the API key was refused`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
