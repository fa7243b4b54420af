import { randomUUID } from "node:crypto";

export interface ChargeRequest {
  /** The saga step's id (`<purchase id>:charge`): calls with the same key are one charge, across retries, crashes and restarts. */
  idempotencyKey: string;
  /** Decimal string, e.g. "398.00". */
  amount: string;
  shopperId: string;
  /** The payment method as the provider names it (the simulated provider's `sim_*` strings). */
  method: string;
}

/**
 * approved: the money is ours (captured). declined: an answer, not an error.
 * pending: the provider decides later (a customer action, a slow bank); its
 * webhook or a later `retrieve` tells.
 */
export type ChargeResult =
  | { outcome: "approved"; paymentRef: string }
  | { outcome: "declined"; reason: string; paymentRef?: string }
  | { outcome: "pending"; paymentRef: string };

/** The provider could not be reached or answered a transient error: asking again may succeed. */
export class PaymentUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PaymentUnreachable";
  }
}

/**
 * The payment provider seen from the drop server. Checkout is a saga: charge
 * while the hold protects the units, then complete the hold; if the hold is
 * gone by then, refund (void) the charge.
 */
export interface PaymentGateway {
  /** The method a purchase names when it names none. */
  readonly defaultMethod: string;
  /** Whether this provider knows the method (a purchase naming another one is a 400). */
  accepts(method: string): boolean;
  /** Approved, declined or pending; throws PaymentUnreachable for what a retry may fix. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Where a charge stands now (a pending one may have ended); throws PaymentUnreachable like charge. */
  retrieve(paymentRef: string): Promise<ChargeResult>;
  /** Gives the money of a charge back (or cancels a pending one); a second call for the same charge changes nothing. */
  refund(paymentRef: string): Promise<void>;
}

/** Approves every charge, in memory; idempotent per reference like a real provider's idempotency keys (tests). */
export class MockPaymentGateway implements PaymentGateway {
  readonly defaultMethod = "sim_ok";
  private readonly charges = new Map<string, string>();
  readonly refunded = new Set<string>();

  /** Charges actually made (a repeated reference is not a new charge). */
  get chargesMade(): number {
    return this.charges.size;
  }

  accepts(): boolean {
    return true;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    let paymentRef = this.charges.get(request.idempotencyKey);
    if (!paymentRef) {
      paymentRef = `mock_${randomUUID()}`;
      this.charges.set(request.idempotencyKey, paymentRef);
    }
    return { outcome: "approved", paymentRef };
  }

  async retrieve(paymentRef: string): Promise<ChargeResult> {
    return { outcome: "approved", paymentRef };
  }

  async refund(paymentRef: string): Promise<void> {
    this.refunded.add(paymentRef);
  }
}
