import { PaymentUnreachable } from "./gateway.js";

/** Waits before each retry of a provider call that failed transiently: short, as a shopper is waiting. */
export const PAYMENT_RETRY_DELAYS_MS = [100, 300, 900];

/**
 * Calls the provider, asking again after each transient failure
 * (PaymentUnreachable); "unreachable" once the retries are spent.
 * `onFailure` hears every failed attempt (for the timeline, the logs).
 */
export async function withPaymentRetries<T>(
  call: () => Promise<T>,
  onFailure: (failure: { attempt: number; willRetry: boolean; error: PaymentUnreachable }) => Promise<void> = async () => undefined,
): Promise<T | "unreachable"> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof PaymentUnreachable)) throw error;
      const delay = PAYMENT_RETRY_DELAYS_MS[attempt - 1];
      await onFailure({ attempt, willRetry: delay !== undefined, error });
      if (delay === undefined) return "unreachable";
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
