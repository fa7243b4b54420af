import { randomUUID } from "node:crypto";

export interface ChargeRequest {
  /** Our idempotency reference: the hold being paid for. The same reference and method are one charge. */
  reference: string;
  /** Decimal string, e.g. "398.00". */
  amount: string;
  shopperId: string;
  /** The payment method as the provider names it (the simulated provider's `sim_*` strings). */
  method: string;
}

export type ChargeResult = { approved: true; paymentRef: string } | { approved: false; reason: string };

/** The provider could not be reached or answered a transient error: asking again may succeed. */
export class PaymentUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PaymentUnreachable";
  }
}

/**
 * The payment provider seen from the drop server. Checkout is hold-and-compensate:
 * charge while the hold protects the units, then complete the hold; if the hold
 * lapsed in between, refund.
 */
export interface PaymentGateway {
  /** The method a purchase names when it names none. */
  readonly defaultMethod: string;
  /** Whether this provider knows the method (a purchase naming another one is a 400). */
  accepts(method: string): boolean;
  /** Approved or declined; throws PaymentUnreachable for what a retry may fix. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
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
    let paymentRef = this.charges.get(request.reference);
    if (!paymentRef) {
      paymentRef = `mock_${randomUUID()}`;
      this.charges.set(request.reference, paymentRef);
    }
    return { approved: true, paymentRef };
  }

  async refund(paymentRef: string): Promise<void> {
    this.refunded.add(paymentRef);
  }
}
