import { randomInt } from "node:crypto";
import type pg from "pg";
import { PaymentUnreachable, type ChargeRequest, type ChargeResult, type PaymentGateway } from "./gateway.js";
import { findCharge, recordCharge, refundCharge, type ChargeRow } from "./simulated.sql.js";

/** The simulated provider's methods (API.md, "Checkout"): each behaves every time as named. */
export const SIMULATED_METHODS = ["sim_ok", "sim_declined", "sim_insufficient_funds", "sim_flaky", "sim_slow", "sim_down"] as const;
type SimulatedMethod = (typeof SIMULATED_METHODS)[number];

const REF_PREFIX = "sim_";
/** sim_flaky: two transient errors, then approved on the third call. */
const FLAKY_APPROVES_ON = 3;
const SLOW_MS = 8_000;

/**
 * A payment provider for development and tests that behaves like a real one
 * where it matters: charges are kept in PostgreSQL by idempotency key, so a
 * retry (after a timeout, a crash, a restart) finds the charge it made; a
 * refund happens at most once; transient failures are errors a retry may fix,
 * declines are answers.
 */
export class SimulatedPaymentProvider implements PaymentGateway {
  readonly defaultMethod = "sim_ok";

  constructor(
    private readonly pool: pg.Pool,
    /** PAYMENT_DECLINE_RATE: this share of sim_ok payments is declined at random (load tests). */
    private readonly declineRate = 0,
    private readonly slowMs = SLOW_MS,
  ) {}

  accepts(method: string): boolean {
    return (SIMULATED_METHODS as readonly string[]).includes(method);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const method = request.method as SimulatedMethod;
    if (method === "sim_down") throw new PaymentUnreachable("The simulated provider is down (sim_down).");
    if (method === "sim_slow") await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    const decided = this.decide(method);
    const row = await recordCharge(this.pool, {
      key: request.idempotencyKey,
      amount: request.amount,
      method,
      ...decided,
      approveOnAttempt: FLAKY_APPROVES_ON,
    });
    if (row.status === "pending") throw new PaymentUnreachable(`The simulated provider failed for a moment (sim_flaky, call ${row.attempts}).`);
    return toResult(row);
  }

  async retrieve(paymentRef: string): Promise<ChargeResult> {
    const row = paymentRef.startsWith(REF_PREFIX) ? await findCharge(this.pool, paymentRef.slice(REF_PREFIX.length)) : undefined;
    if (!row) return { outcome: "declined", reason: "unknown_charge" };
    if (row.status === "pending") throw new PaymentUnreachable("The simulated provider has not decided this charge yet.");
    return toResult(row);
  }

  async refund(paymentRef: string): Promise<void> {
    if (!paymentRef.startsWith(REF_PREFIX)) return;
    await refundCharge(this.pool, paymentRef.slice(REF_PREFIX.length));
  }

  /** How a first call with this method ends; later calls under the same key find it recorded. */
  private decide(method: SimulatedMethod): { status: "pending" | "approved" | "declined"; reason: string | null } {
    switch (method) {
      case "sim_declined":
        return { status: "declined", reason: "card_declined" };
      case "sim_insufficient_funds":
        return { status: "declined", reason: "insufficient_funds" };
      case "sim_flaky":
        return { status: "pending", reason: null };
      case "sim_ok":
        // A uniform draw in millionths: PAYMENT_DECLINE_RATE=0.2 declines one sim_ok payment in five.
        return this.declineRate > 0 && randomInt(1_000_000) < this.declineRate * 1_000_000
          ? { status: "declined", reason: "card_declined" }
          : { status: "approved", reason: null };
      default:
        return { status: "approved", reason: null };
    }
  }
}

function toResult(row: ChargeRow): ChargeResult {
  const paymentRef = REF_PREFIX + row.id;
  if (row.status === "declined") return { outcome: "declined", reason: row.decline_reason ?? "card_declined", paymentRef };
  // The money went back: this charge can never pay for a sale again.
  if (row.status === "refunded") return { outcome: "declined", reason: "already_refunded", paymentRef };
  return { outcome: "approved", paymentRef };
}
