import { lazy, Suspense, useEffect, useRef } from "react";
import { focusWasLost } from "../lib/focus";
import { formatCountdown } from "../lib/format";
import { formatMoney } from "../lib/money";
import type { Outcome } from "../lib/outcomes";

// Loaded with the hold panel's payment choice, so it is there by the time a payment ends.
const CheckoutNotice = lazy(() => import("./checkout").then((module) => ({ default: module.CheckoutNotice })));
const Tickets = lazy(() => import("./checkout").then((module) => ({ default: module.Tickets })));

const tones: Record<Outcome["tone"], string> = {
  success: "border-emerald-300 bg-emerald-50 text-emerald-900",
  info: "border-sky-300 bg-sky-50 text-sky-900",
  warning: "border-amber-300 bg-amber-50 text-amber-900",
  error: "border-rose-300 bg-rose-50 text-rose-900",
};

interface Props {
  outcome: Outcome;
  now: number;
  /** The shopper's token, for the tickets' QR codes. */
  token: string | null;
  onDismiss: () => void;
}

/** How the last attempt ended. Rendered inside a live region so it is announced. */
export function OutcomeBanner({ outcome, now, token, onDismiss }: Props) {
  const waitMs = outcome.retryUntil ? outcome.retryUntil - now : 0;
  // When the hold panel (and the focused button in it) disappears, focus moves here instead of to <body>.
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focusWasLost()) box.current?.focus();
  }, [outcome]);

  return (
    <div
      ref={box}
      tabIndex={-1}
      data-testid="outcome"
      data-kind={outcome.kind}
      className={`rounded-lg border p-3 text-sm outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 ${tones[outcome.tone]}`}
    >
      <div className="flex items-start justify-between gap-3">
        <div>
          <p className="font-semibold">{outcome.title}</p>
          {outcome.kind === "processing" || outcome.reason ? (
            <Suspense fallback={null}>
              <CheckoutNotice outcome={outcome} now={now} />
            </Suspense>
          ) : outcome.purchase ? (
            <p className="mt-1">
              Confirmation code <strong data-testid="confirmation-code" className="font-mono">{outcome.purchase.confirmationCode}</strong>
              {" · "}paid <strong data-testid="amount-paid">{formatMoney(outcome.purchase.amountPaid)}</strong> for {outcome.purchase.quantity}{" "}
              unit{outcome.purchase.quantity === 1 ? "" : "s"}.
            </p>
          ) : (
            outcome.detail && <p className="mt-1">{outcome.detail}</p>
          )}
          {outcome.retryUntil && (
            <p className="mt-1 font-medium" aria-hidden="true">
              {waitMs > 0 ? `You can try again in ${formatCountdown(waitMs)}.` : "You can try again now."}
            </p>
          )}
        </div>
        <button
          type="button"
          onClick={onDismiss}
          className="rounded px-2 py-0.5 text-current opacity-70 hover:opacity-100 focus-visible:outline-2 focus-visible:outline-offset-2"
          aria-label="Dismiss message"
        >
          ×
        </button>
      </div>
      {outcome.kind === "purchased" && token && outcome.purchase?.tickets.length ? (
        <Suspense fallback={null}>
          <Tickets token={token} purchase={outcome.purchase} />
        </Suspense>
      ) : null}
    </div>
  );
}
