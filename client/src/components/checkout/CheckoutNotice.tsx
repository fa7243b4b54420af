import { formatCountdown } from "../../lib/format";
import type { Outcome } from "../../lib/outcomes";
import { Spinner } from "./Spinner";

const declines: Record<string, string> = {
  card_declined: "Your card was declined.",
  insufficient_funds: "Your card was declined: not enough funds on it.",
};

const voided: Record<string, string> = {
  hold_ended: "Your hold ended while the payment was running, so the payment was voided.",
  payment_timeout: "The bank did not answer in time, so the payment was voided and the hold let go.",
};

/** What a payment that has not (yet) made a sale means for the shopper, and what to do next. */
export function CheckoutNotice({ outcome, now }: { outcome: Outcome; now: number }) {
  const left = outcome.holdUntil ? Date.parse(outcome.holdUntil) - now : 0;
  // The countdown is the hold's own: the same figure as the hold panel's timer.
  const stillYours = (
    <>
      Your hold is still yours for{" "}
      <strong data-testid="notice-countdown" className="font-mono tabular-nums">
        {formatCountdown(left)}
      </strong>
    </>
  );

  switch (outcome.kind) {
    case "processing":
      return (
        <p data-testid="checkout-notice" className="mt-1 flex items-start gap-2">
          <Spinner className="mt-0.5" />
          <span>Your bank is confirming the payment… This updates by itself; you can leave the page open or come back.</span>
        </p>
      );
    case "declined":
      return (
        <p data-testid="checkout-notice" className="mt-1">
          {declines[outcome.reason ?? ""] ?? `Your payment was declined (${outcome.reason}).`} {stillYours} — try another card.
        </p>
      );
    case "payment_unavailable":
      return (
        <p data-testid="checkout-notice" className="mt-1">
          We couldn't reach the payment provider, and nothing was charged. {stillYours} — try again.
        </p>
      );
    default:
      return (
        <p data-testid="checkout-notice" className="mt-1">
          {voided[outcome.reason ?? ""] ?? `The payment was voided (${outcome.reason}).`} You were not charged. Reserve again if any are left.
        </p>
      );
  }
}
