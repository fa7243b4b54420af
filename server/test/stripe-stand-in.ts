import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

/**
 * A local stand-in for the few Stripe API endpoints the Stripe provider
 * calls, answering as Stripe documents them (form-encoded requests, JSON
 * objects and error bodies, Idempotency-Key replays with
 * `Idempotent-Replayed: true`). It is not Stripe: only what the adapter uses,
 * with behaviour chosen by Stripe's test PaymentMethod ids:
 * - `pm_card_visa` (and any other `pm_`): succeeds;
 * - `pm_card_chargeDeclined`: 402 card_error, card_declined / generic_decline;
 * - `pm_card_insufficientFunds`: 402 card_error, card_declined / insufficient_funds;
 * - `pm_card_authenticationRequired`, `pm_card_threeDSecureRequired`: requires_action,
 *   until the test completes or fails it (`completeAction`, `failAction`).
 */
export interface StandInIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_received: number;
  currency: string;
  status: "requires_action" | "requires_payment_method" | "succeeded" | "canceled" | "processing";
  payment_method: string;
  confirm: boolean;
  metadata: Record<string, string>;
  last_payment_error: null | { type: string; code: string; decline_code?: string; message: string };
  cancellation_reason: string | null;
  latest_charge: string | null;
  livemode: false;
  created: number;
  /** Not Stripe's: what the stand-in refunded, for the tests' eyes. */
  amount_refunded: number;
}

type Answer = { status: number; body: unknown };

export class StripeStandIn {
  readonly intents = new Map<string, StandInIntent>();
  /** Every call by endpoint ("POST /v1/payment_intents", ...), repeats included. */
  readonly calls = new Map<string, number>();
  /** Intents actually made (a replayed Idempotency-Key makes none). */
  created = 0;
  refunds = 0;
  cancels = 0;
  /** Create calls wait here while a test holds them (an answer that is slow to come back). */
  private createGate?: Promise<void>;
  private readonly replays = new Map<string, Answer>();
  private readonly inFlight = new Set<string>();
  private failures: { left: number; status: number } = { left: 0, status: 500 };
  private server?: Server;
  url = "";

  constructor(readonly webhookSecret = `whsec_${randomBytes(16).toString("hex")}`) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  count(endpoint: string): number {
    return this.calls.get(endpoint) ?? 0;
  }

  /** Holds every create call's answer (the intent is made at once) until the returned release is called. */
  holdCreates(): () => void {
    let release!: () => void;
    this.createGate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.createGate = undefined;
      release();
    };
  }

  /** The next `count` calls fail with `status` (500: Stripe's trouble; 429: rate limited), before any work. */
  failNext(count: number, status = 500): void {
    this.failures = { left: count, status };
  }

  /** The newest intent, once made (polls: the server makes it in the background). */
  async nextIntent(after = 0, timeoutMs = 5_000): Promise<StandInIntent> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const newest = [...this.intents.values()].slice(after)[0];
      if (newest) return newest;
      if (Date.now() > until) throw new Error("the stand-in saw no new PaymentIntent");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The shopper passed 3-D Secure: the money is taken. */
  completeAction(intentId: string): StandInIntent {
    const intent = this.intent(intentId);
    Object.assign(intent, { status: "succeeded", amount_received: intent.amount, latest_charge: `ch_${randomBytes(8).toString("hex")}` });
    return structuredClone(intent);
  }

  /** The shopper failed (or abandoned) 3-D Secure: Stripe puts the intent back to requires_payment_method. */
  failAction(intentId: string): StandInIntent {
    const intent = this.intent(intentId);
    Object.assign(intent, {
      status: "requires_payment_method",
      last_payment_error: {
        type: "invalid_request_error",
        code: "payment_intent_authentication_failure",
        message: "The provided PaymentMethod has failed authentication.",
      },
    });
    return structuredClone(intent);
  }

  /** A copy of the intent as it is now (a webhook sent later with it is a stale event). */
  snapshot(intentId: string): StandInIntent {
    return structuredClone(this.intent(intentId));
  }

  /**
   * Sends a signed event to the server's webhook endpoint, as Stripe would:
   * `object` is the intent as the event carries it (now, unless a stale
   * snapshot is given); `id` lets a test deliver the same event twice.
   */
  async sendEvent(
    serverUrl: string,
    type: string,
    object: StandInIntent,
    options: { id?: string; secret?: string } = {},
  ): Promise<{ status: number; body: unknown; id: string }> {
    const id = options.id ?? `evt_${randomBytes(12).toString("hex")}`;
    const payload = JSON.stringify({
      id,
      object: "event",
      api_version: "2025-01-27.acacia",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? this.webhookSecret });
    const response = await fetch(`${serverUrl}/api/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signature },
      body: payload,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // left as text: the test will say so
    }
    return { status: response.status, body, id };
  }

  private intent(intentId: string): StandInIntent {
    const intent = this.intents.get(intentId);
    if (!intent) throw new Error(`no PaymentIntent ${intentId}`);
    return intent;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    const path = (req.url ?? "").split("?")[0] ?? "";
    const route = path.replace(/\/pi_[A-Za-z0-9]+/, "/:id");
    const endpoint = `${req.method} ${route}`;
    this.calls.set(endpoint, this.count(endpoint) + 1);

    if (!/^Bearer sk_test_/.test(req.headers.authorization ?? "")) {
      return send(res, { status: 401, body: { error: { type: "invalid_request_error", message: "Invalid API Key provided" } } });
    }
    if (this.failures.left > 0) {
      this.failures.left--;
      const type = this.failures.status === 429 ? "invalid_request_error" : "api_error";
      return send(res, { status: this.failures.status, body: { error: { type, message: "The stand-in was told to fail this call." } } });
    }
    const key = req.headers["idempotency-key"];
    const replayKey = req.method === "POST" && typeof key === "string" ? `${route}|${key}` : undefined;
    const replay = replayKey ? this.replays.get(replayKey) : undefined;
    if (replay) return send(res, replay, { "idempotent-replayed": "true" });
    // Stripe answers 409 to a key whose first request has not finished yet.
    if (replayKey && this.inFlight.has(replayKey)) {
      return send(res, { status: 409, body: { error: { type: "idempotency_error", message: "There is currently another in-progress request using this Stripe API key and idempotency key." } } });
    }
    if (replayKey) this.inFlight.add(replayKey);
    try {
      await this.answer(res, endpoint, path, form, replayKey);
    } finally {
      if (replayKey) this.inFlight.delete(replayKey);
    }
  }

  private async answer(res: ServerResponse, endpoint: string, path: string, form: URLSearchParams, replayKey?: string): Promise<void> {
    const id = /\/(pi_[A-Za-z0-9]+)/.exec(path)?.[1];
    let answer: Answer;
    if (endpoint === "POST /v1/payment_intents") {
      answer = this.create(form);
      if (this.createGate) await this.createGate;
    } else if (endpoint === "GET /v1/payment_intents/:id" && id) {
      answer = this.found(id, (intent) => ({ status: 200, body: intent }));
    } else if (endpoint === "POST /v1/payment_intents/:id/cancel" && id) {
      answer = this.found(id, (intent) => this.cancel(intent));
    } else if (endpoint === "POST /v1/refunds") {
      answer = this.found(form.get("payment_intent") ?? "", (intent) => this.refund(intent));
    } else {
      answer = { status: 404, body: { error: { type: "invalid_request_error", message: `Unrecognized request URL (${endpoint}).` } } };
    }
    // Stripe keeps the first answer to a key (errors too) and replays it.
    if (replayKey) this.replays.set(replayKey, answer);
    send(res, answer);
  }

  private create(form: URLSearchParams): Answer {
    const method = form.get("payment_method") ?? "";
    const metadata: Record<string, string> = {};
    for (const [name, value] of form) {
      const field = /^metadata\[(.+)\]$/.exec(name)?.[1];
      if (field) metadata[field] = value;
    }
    const intent: StandInIntent = {
      id: `pi_${randomBytes(12).toString("hex")}`,
      object: "payment_intent",
      amount: Number(form.get("amount")),
      amount_received: 0,
      currency: form.get("currency") ?? "",
      status: "succeeded",
      payment_method: method,
      confirm: form.get("confirm") === "true",
      metadata,
      last_payment_error: null,
      cancellation_reason: null,
      latest_charge: null,
      livemode: false,
      created: Math.floor(Date.now() / 1000),
      amount_refunded: 0,
    };
    if (!Number.isInteger(intent.amount) || intent.amount < 1) {
      return { status: 400, body: { error: { type: "invalid_request_error", code: "parameter_invalid_integer", param: "amount", message: "Invalid integer" } } };
    }
    this.intents.set(intent.id, intent);
    this.created++;
    const decline = { pm_card_chargeDeclined: "generic_decline", pm_card_insufficientFunds: "insufficient_funds" }[method];
    if (decline) {
      const error = { type: "card_error", code: "card_declined", decline_code: decline, message: "Your card was declined." };
      Object.assign(intent, { status: "requires_payment_method", last_payment_error: error });
      const charge = `ch_${randomBytes(8).toString("hex")}`;
      return { status: 402, body: { error: { ...error, charge, payment_intent: structuredClone(intent) } } };
    }
    if (method === "pm_card_authenticationRequired" || method === "pm_card_threeDSecureRequired") {
      intent.status = "requires_action";
    } else {
      Object.assign(intent, { amount_received: intent.amount, latest_charge: `ch_${randomBytes(8).toString("hex")}` });
    }
    return { status: 200, body: structuredClone(intent) };
  }

  private cancel(intent: StandInIntent): Answer {
    if (intent.status === "succeeded" || intent.status === "canceled") {
      return {
        status: 400,
        body: {
          error: {
            type: "invalid_request_error",
            code: "payment_intent_unexpected_state",
            message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`,
            payment_intent: structuredClone(intent),
          },
        },
      };
    }
    Object.assign(intent, { status: "canceled", cancellation_reason: "requested_by_customer" });
    this.cancels++;
    return { status: 200, body: structuredClone(intent) };
  }

  private refund(intent: StandInIntent): Answer {
    if (intent.status !== "succeeded") {
      return { status: 400, body: { error: { type: "invalid_request_error", code: "payment_intent_unexpected_state", message: "This PaymentIntent has no successful charge to refund." } } };
    }
    if (intent.amount_refunded >= intent.amount) {
      return { status: 400, body: { error: { type: "invalid_request_error", code: "charge_already_refunded", message: "Charge has already been refunded." } } };
    }
    intent.amount_refunded = intent.amount;
    this.refunds++;
    return {
      status: 200,
      body: { id: `re_${randomBytes(12).toString("hex")}`, object: "refund", amount: intent.amount, currency: intent.currency, payment_intent: intent.id, status: "succeeded" },
    };
  }

  private found(id: string, then: (intent: StandInIntent) => Answer): Answer {
    const intent = this.intents.get(id);
    if (!intent) {
      return { status: 404, body: { error: { type: "invalid_request_error", code: "resource_missing", param: "intent", message: `No such payment_intent: '${id}'` } } };
    }
    return then(intent);
  }
}

function send(res: ServerResponse, answer: Answer, headers: Record<string, string> = {}): void {
  res.writeHead(answer.status, { "content-type": "application/json", "request-id": `req_${randomBytes(8).toString("hex")}`, ...headers });
  res.end(JSON.stringify(answer.body));
}
