import { useEffect, useId, useState } from "react";
import { isApiError } from "../../api/http";
import { placePreorder, type Preorder } from "../../api/preorders";
import type { DropStatus, DropView } from "../../api/types";
import { simulatedPayments } from "../../config";
import { formatDateTime } from "../../lib/format";
import { formatMoney } from "../../lib/money";
import { PaymentMethods } from "../checkout";
import { Spinner } from "../checkout/Spinner";
import { announcePreorder, onPreorderAnnounced } from "./placed-orders";
import { formatDay, isEnded } from "./preorder-status";

type Result = { tone: "ok" | "warn" | "error"; kind: string; text: string; preorderId?: string };

const declines: Record<string, string> = {
  card_declined: "Your card was declined, and nothing was charged. Try another card.",
  insufficient_funds: "Your card was declined: not enough funds on it. Nothing was charged; try another card.",
};

/** What a refused pre-order means for the shopper, and what to do next. */
function refusal(error: unknown, maxPerUser: number): Result {
  if (!isApiError(error)) return { tone: "error", kind: "error", text: String(error) };
  switch (error.code) {
    case "PAYMENT_DECLINED": {
      const reason = (error.details as { reason?: string } | undefined)?.reason ?? "";
      return { tone: "warn", kind: "declined", text: declines[reason] ?? `Your payment was declined (${reason || error.message}). Nothing was charged.` };
    }
    case "PAYMENT_UNAVAILABLE":
      return { tone: "warn", kind: "payment_unavailable", text: "We couldn't reach the payment provider, and nothing was charged. Try again in a moment." };
    case "LIMIT_EXCEEDED": {
      // Checked before the charge; only a race lost after it (details.preorderId) was charged, and then refunded.
      const refunded = (error.details as { preorderId?: string } | undefined)?.preorderId !== undefined;
      return {
        tone: "warn",
        kind: "limit_exceeded",
        text: `Limit reached: at most ${maxPerUser} per shopper, across all your orders for this drop. ${refunded ? "Your payment was refunded." : "Nothing was charged."}`,
      };
    }
    case "OUT_OF_STOCK":
      return { tone: "error", kind: "sold_out", text: "Sold out: the last units went to other shoppers. If you were charged, the payment has been refunded." };
    default:
      return { tone: "error", kind: error.code.toLowerCase(), text: error.message };
  }
}

const tones = { ok: "bg-emerald-50 text-emerald-900", warn: "bg-amber-50 text-amber-900", error: "bg-rose-50 text-rose-900" };

interface Props {
  drop: DropView;
  /** The drop's status on the server clock. */
  status: DropStatus;
  token: string | null;
  onUnauthorized: () => void;
}

/**
 * A pre-order drop's part of its card: when it ships, and the way to order it
 * now and pay at once. There is no hold and no timer: the order keeps its units.
 */
export default function PreorderPanel({ drop, status, token, onUnauthorized }: Props) {
  const id = useId();
  const [quantity, setQuantity] = useState(1);
  const [method, setMethod] = useState("sim_ok");
  const [paying, setPaying] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const releaseAt = drop.releaseAt ?? drop.startsAt;
  const most = Math.max(1, Math.min(drop.maxPerUser, drop.availableStock));
  const chosen = Math.min(quantity, most);

  // "Pre-ordered 2" no longer holds once that order is cancelled from My pre-orders.
  useEffect(
    () => onPreorderAnnounced((preorder) => setResult((current) => (current?.preorderId === preorder.id && isEnded(preorder.status) ? null : current))),
    [],
  );

  async function order(event: React.FormEvent) {
    event.preventDefault();
    if (!token) return;
    setPaying(true);
    setResult(null);
    try {
      const preorder: Preorder = await placePreorder(token, drop.id, chosen, simulatedPayments ? method : undefined);
      announcePreorder(preorder);
      setResult({
        tone: "ok",
        kind: "placed",
        preorderId: preorder.id,
        text: `Pre-ordered ${preorder.quantity} · ${formatMoney(preorder.amountPaid)} paid. It ships ${formatDay(preorder.releaseAt)}; follow it under “My pre-orders”.`,
      });
    } catch (error) {
      if (isApiError(error) && error.status === 401) onUnauthorized();
      else setResult(refusal(error, drop.maxPerUser));
    } finally {
      setPaying(false);
    }
  }

  const reason =
    status === "ended"
      ? "Pre-orders for this drop have closed."
      : status === "upcoming"
        ? "Pre-orders open when the drop goes live."
        : status === "sold_out"
          ? "Sold out: every unit is pre-ordered. Units come back if an order is cancelled."
          : null;

  return (
    <div data-testid="preorder-panel" className="flex flex-col gap-3">
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <span data-testid="preorder-badge" className="rounded-full bg-violet-100 px-2.5 py-0.5 text-xs font-semibold uppercase tracking-wide text-violet-800">
          Pre-order
        </span>
        <span data-testid="ships" title={formatDateTime(releaseAt)} className="font-medium text-slate-800">
          Ships {formatDay(releaseAt)}
        </span>
      </p>
      {/* The server counts every order of this shopper on this drop that is not cancelled (or refused), delivered ones too. */}
      <p data-testid="preorder-terms" className="text-xs text-slate-500">
        Pay now, collect when it is released · limit {drop.maxPerUser} per shopper, across all your orders (cancelled ones don't count)
      </p>

      <div role="status" aria-live="polite" aria-atomic="true">
        {result && (
          <p data-testid="preorder-result" data-kind={result.kind} className={`rounded-md px-3 py-2 text-sm ${tones[result.tone]}`}>
            {result.text}
          </p>
        )}
      </div>

      {!token ? (
        <p className="text-sm text-slate-600">Pick a username above to pre-order.</p>
      ) : reason ? (
        <p className="text-sm text-slate-600">{reason}</p>
      ) : (
        <form onSubmit={order} className="flex flex-col gap-1">
          <div className="flex flex-wrap items-end gap-3">
            <div>
              <label htmlFor={id} className="block text-xs font-medium text-slate-600">
                Quantity (up to {most})
              </label>
              <select
                id={id}
                value={chosen}
                disabled={paying}
                onChange={(event) => setQuantity(Number(event.target.value))}
                className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600"
              >
                {Array.from({ length: most }, (_, i) => i + 1).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
            <button
              type="submit"
              disabled={paying}
              className="inline-flex items-center gap-2 rounded-md bg-violet-700 px-5 py-2 font-semibold text-white hover:bg-violet-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-700 disabled:opacity-50"
            >
              {paying && <Spinner />}
              {paying ? "Paying…" : "Pre-order"}
            </button>
          </div>
          {simulatedPayments && <PaymentMethods value={method} onChange={setMethod} disabled={paying} />}
        </form>
      )}
    </div>
  );
}
