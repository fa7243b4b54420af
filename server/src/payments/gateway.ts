import { randomUUID } from "node:crypto";

export interface ChargeRequest {
  /** Our idempotency reference: the hold being paid for. The same reference is one charge. */
  reference: string;
  /** Decimal string, e.g. "398.00". */
  amount: string;
  shopperId: string;
}

export type ChargeResult = { approved: true; paymentRef: string } | { approved: false; reason: string };

/**
 * The payment provider seen from the drop server. Checkout is hold-and-compensate:
 * charge while the hold protects the units, then complete the hold; if the hold
 * lapsed in between, refund.
 */
export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(paymentRef: string): Promise<void>;
}

/** Approves every charge; idempotent per reference like a real provider's idempotency keys. */
export class MockPaymentGateway implements PaymentGateway {
  private readonly charges = new Map<string, string>();
  readonly refunded = new Set<string>();

  /** Charges actually made (a repeated reference is not a new charge). */
  get chargesMade(): number {
    return this.charges.size;
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
