import { lazy, Suspense, useEffect, useEffectEvent, useRef, useState } from "react";
import type { Reservation } from "../api/types";
import { simulatedPayments } from "../config";
import type { Busy } from "../hooks/useHolds";
import { focusWasLost } from "../lib/focus";
import { formatCountdown, spokenDuration } from "../lib/format";
import { formatMoney } from "../lib/money";

const URGENT_MS = 10_000;

// The payment choice and everything after paying (notices, tickets) are the checkout chunk, fetched with the first hold.
const PaymentMethods = lazy(() => import("./checkout").then((module) => ({ default: module.PaymentMethods })));

interface Props {
  hold: Reservation;
  /** Server time now (ms). */
  now: number;
  busy: Busy | undefined;
  /** `method`: a payment method the server's provider knows; none means its default. */
  onPurchase: (method?: string) => void;
  onRelease: () => void;
  /** The countdown reached zero: the fallback should `reservationExpired` not arrive. */
  onDeadline: () => void;
}

/**
 * An active hold: time left (on the server's clock), and the two ways to end it.
 * While a payment runs on it (here, in another tab, or found so after a reload)
 * the server keeps it past its deadline, so it reads as paying, never as run out.
 */
export function HoldPanel({ hold, now, busy, onPurchase, onRelease, onDeadline }: Props) {
  const remaining = Date.parse(hold.expiresAt) - now;
  const paying = hold.paymentInFlight || busy === "purchasing" || busy === "confirming";
  const urgent = remaining <= URGENT_MS && !paying;
  const over = remaining <= 0;

  // The Reserve button that opened this panel is gone; a keyboard user lands on the next step, not on <body>.
  const purchaseButton = useRef<HTMLButtonElement>(null);
  const [method, setMethod] = useState("sim_ok");
  useEffect(() => {
    if (focusWasLost()) purchaseButton.current?.focus();
  }, []);

  // Once, when the deadline passes; not on every tick after it, nor when the parent passes a new callback.
  // A running payment decides instead: its end (or the server's expiry) arrives as an event.
  const deadlinePassed = useEffectEvent(onDeadline);
  const ended = over && !hold.paymentInFlight;
  useEffect(() => {
    if (ended) deadlinePassed();
  }, [ended]);

  // Screen readers hear milestones, not every second.
  const milestone = over
    ? ""
    : remaining <= URGENT_MS
      ? "Less than 10 seconds left on your hold."
      : remaining <= 30_000
        ? "30 seconds left on your hold."
        : `Hold started: ${spokenDuration(Date.parse(hold.expiresAt) - Date.parse(hold.createdAt))} to complete your purchase.`;

  return (
    <section
      aria-label="Your hold"
      data-testid="hold-panel"
      data-urgent={urgent}
      data-remaining-ms={Math.max(0, Math.round(remaining))}
      className={`rounded-lg border-2 p-3 ${urgent ? "border-rose-500 bg-rose-50" : "border-indigo-300 bg-indigo-50"}`}
    >
      <div className="flex items-baseline justify-between gap-3">
        <p data-testid="hold-summary" className="text-sm font-medium text-slate-800">
          {/* The hold's own amount, fixed when it was taken: a later price edit does not change what it charges. */}
          You hold {hold.quantity} unit{hold.quantity === 1 ? "" : "s"} · {formatMoney(hold.amount)}
        </p>
        {!(paying && over) && (
          <p
            role="timer"
            aria-label={`Time left: ${spokenDuration(remaining)}`}
            data-testid="hold-countdown"
            className={`font-mono text-2xl font-bold tabular-nums ${urgent ? "animate-pulse text-rose-700" : "text-indigo-800"}`}
          >
            {formatCountdown(remaining)}
          </p>
        )}
      </div>
      {paying ? (
        <p data-testid="hold-paying" className="text-xs font-semibold text-indigo-800">
          Confirming your payment…
        </p>
      ) : (
        <p className={`text-xs ${urgent ? "font-semibold text-rose-700" : "text-slate-600"}`}>
          {urgent ? "Hurry: pay now or the units go back to stock." : "Pay before the timer runs out, or the units go back to stock."}
        </p>
      )}
      <p aria-live="polite" className="sr-only">
        {milestone}
      </p>
      {simulatedPayments && (
        <Suspense fallback={null}>
          <PaymentMethods value={method} onChange={setMethod} disabled={busy !== undefined || over || paying} />
        </Suspense>
      )}
      <div className="mt-3 flex flex-wrap gap-2">
        <button
          ref={purchaseButton}
          type="button"
          onClick={() => onPurchase(simulatedPayments ? method : undefined)}
          disabled={busy !== undefined || over || paying}
          className="rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50"
        >
          {paying && (
            <span aria-hidden="true" className="mr-2 inline-block size-4 animate-spin rounded-full border-2 border-white/40 border-t-white align-[-3px]" />
          )}
          {busy === "purchasing" ? "Paying…" : paying ? "Confirming…" : "Complete purchase"}
        </button>
        <button
          type="button"
          onClick={onRelease}
          disabled={busy !== undefined || over || paying}
          className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50"
        >
          {busy === "releasing" ? "Releasing…" : "Release hold"}
        </button>
      </div>
    </section>
  );
}
