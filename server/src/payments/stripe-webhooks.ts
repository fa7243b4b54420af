import express, { Router, type Request, type Response } from "express";
import Stripe from "stripe";
import { runCheckout } from "../checkout/checkout.saga.js";
import { findCheckout, findCheckoutByPaymentRef } from "../checkout/checkout.sql.js";
import type { Services } from "../context.js";
import { AppError, errorMessage } from "../errors.js";
import type { Limits } from "../http/rate-limit.js";
import { QUEUES } from "../jobs/engine.js";
import { logger } from "../log.js";
import { isOurId } from "../values/ids.js";
import { claimStripeEvent, releaseStripeEvent } from "./stripe-events.sql.js";

/** A payment_intent event is a few kilobytes; Stripe's largest objects stay well under this. */
const BODY_LIMIT = "512kb";
/** How soon the saga looks again at a checkout whose intent an event names before the charge's answer was recorded. */
const EARLY_EVENT_LOOK_MS = 2_000;

/**
 * POST /api/webhooks/stripe. The signature is checked over the raw bytes
 * (so this router parses its own body, ahead of the API's JSON parser); each
 * event id is applied once. An event only says "look again": the saga asks
 * Stripe for the intent's state now, so a late `requires_action` after a
 * `succeeded` changes nothing.
 */
export function stripeWebhookRoutes(services: Services, webhookSecret: string, limits: Limits): Router {
  const router = Router();
  // Counted per client address only when refused: Stripe's own deliveries never use up the budget, a forger's guesses do.
  router.post("/", limits.failedAuth, express.raw({ type: () => true, limit: BODY_LIMIT }), async (req: Request, res: Response) => {
    const event = verify(req, webhookSecret);
    if (!(await claimStripeEvent(services.pool, event.id, event.type))) {
      res.json({ received: true, duplicate: true });
      return;
    }
    try {
      await apply(services, event);
    } catch (error) {
      // Not applied: the claim goes, and Stripe's retry (it retries any non-2xx) gets another go.
      await releaseStripeEvent(services.pool, event.id);
      throw error;
    }
    res.json({ received: true });
  });
  return router;
}

function verify(req: Request, secret: string): Stripe.Event {
  const signature = req.get("stripe-signature");
  if (!signature || !Buffer.isBuffer(req.body)) {
    throw new AppError("VALIDATION_ERROR", "A Stripe webhook needs its Stripe-Signature header and body.", [{ path: "stripe-signature", message: "missing" }]);
  }
  try {
    return Stripe.webhooks.constructEvent(req.body, signature, secret);
  } catch (error) {
    logger.warn({ event: "stripe.webhook_refused", requestId: req.get("x-request-id"), error: errorMessage(error) });
    throw new AppError("VALIDATION_ERROR", "The Stripe-Signature header does not match this body and the endpoint's signing secret.", [
      { path: "stripe-signature", message: "does not verify" },
    ]);
  }
}

async function apply(services: Services, event: Stripe.Event): Promise<void> {
  if (!event.type.startsWith("payment_intent.")) return;
  const intent = event.data.object as Stripe.PaymentIntent;
  const purchaseId = await purchaseOf(services, intent);
  if (!purchaseId) {
    logger.info({ event: "stripe.webhook_ignored", stripeEvent: event.id, type: event.type, paymentIntent: intent.id });
    return;
  }
  const checkout = await findCheckout(services.pool, purchaseId);
  if (checkout?.charge_status === "none") {
    // Stripe spoke before the create call's answer was recorded: that call (or its resume job) is still charging under the
    // same idempotency key, and a second charge now would only collide with it. The saga looks again shortly instead.
    await services.jobs.send(QUEUES.checkoutResume.name, { purchaseId }, { startAfter: new Date(Date.now() + EARLY_EVENT_LOOK_MS) });
    logger.info({ event: "stripe.webhook_early", stripeEvent: event.id, type: event.type, purchaseId, paymentIntent: intent.id });
    return;
  }
  const outcome = await runCheckout(services, purchaseId);
  logger.info({ event: "stripe.webhook_applied", stripeEvent: event.id, type: event.type, purchaseId, paymentIntent: intent.id, status: outcome.status });
}

/**
 * The purchase an intent pays for: by the reference the saga recorded, or,
 * before it has recorded one, by the purchase id the intent was created
 * with (the signature vouches for the metadata). Intents of anything else on
 * the same Stripe account match nothing.
 */
async function purchaseOf(services: Services, intent: Stripe.PaymentIntent): Promise<string | undefined> {
  const byRef = await findCheckoutByPaymentRef(services.pool, intent.id);
  if (byRef) return byRef;
  const claimed = intent.metadata?.purchase_id;
  if (!claimed || !isOurId(claimed)) return undefined;
  const checkout = await findCheckout(services.pool, claimed);
  // A checkout already tied to another intent is not this one's (a second payment attempt has its own purchase id).
  return checkout && (checkout.payment_ref === null || checkout.payment_ref === intent.id) ? checkout.id : undefined;
}
