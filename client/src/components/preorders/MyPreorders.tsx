import { useEffect, useState } from "react";
import { isApiError } from "../../api/http";
import { cancelPreorder, type Preorder } from "../../api/preorders";
import type { DropView, MeResponse } from "../../api/types";
import { useOrderDropNames } from "./useOrderDropNames";
import { formatDateTime, formatTime } from "../../lib/format";
import { formatMoney } from "../../lib/money";
import { announcePreorder, onPreorderAnnounced } from "./placed-orders";
import { formatDay, isEnded, latestCompensations, newer, progressOf, progressSteps, shopperMayCancel, statusTone, statusWords } from "./preorder-status";

interface Props {
  token: string;
  /** GET /api/me, fetched again by the page on every preorderUpdated. */
  me: MeResponse | null;
  drops: DropView[];
  onUnauthorized: () => void;
}

/** The shopper's pre-orders, newest first: where each one is, and what was undone for the ended ones. */
export default function MyPreorders({ token, me, drops, onUnauthorized }: Props) {
  // Answers this page got itself (a new order, a cancel): shown until /api/me has caught up with them.
  const [local, setLocal] = useState<Map<string, Preorder>>(new Map());
  useEffect(() => onPreorderAnnounced((preorder) => setLocal((current) => new Map(current).set(preorder.id, preorder))), []);

  const merged = new Map<string, Preorder>();
  for (const preorder of me?.preorders ?? []) merged.set(preorder.id, preorder);
  for (const preorder of local.values()) merged.set(preorder.id, newer(merged.get(preorder.id), preorder));
  const preorders = [...merged.values()].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const names = useOrderDropNames(drops, preorders.map((p) => p.dropId));

  // Nothing to say to a shopper who has none, where nothing can be pre-ordered.
  if (preorders.length === 0 && !drops.some((drop) => drop.kind === "preorder")) return null;

  return (
    <section aria-labelledby="preorders-heading" data-testid="my-preorders" className="mb-6 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
      <h2 id="preorders-heading" className="text-lg font-semibold">
        My pre-orders
      </h2>
      {!me && preorders.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">Loading…</p>
      ) : preorders.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">No pre-orders yet.</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100">
          {preorders.map((preorder) => (
            <PreorderItem
              key={preorder.id}
              preorder={preorder}
              name={names.get(preorder.dropId) ?? "…"}
              token={token}
              onChanged={announcePreorder}
              onUnauthorized={onUnauthorized}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

interface ItemProps {
  preorder: Preorder;
  name: string;
  token: string;
  onChanged: (preorder: Preorder) => void;
  onUnauthorized: () => void;
}

function PreorderItem({ preorder, name, token, onChanged, onUnauthorized }: ItemProps) {
  const [cancelling, setCancelling] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const ended = isEnded(preorder.status);

  async function cancel() {
    setCancelling(true);
    setProblem(null);
    try {
      onChanged(await cancelPreorder(token, preorder.id));
    } catch (error) {
      if (isApiError(error) && error.status === 401) onUnauthorized();
      else setProblem(isApiError(error) ? error.message : String(error));
    } finally {
      setCancelling(false);
    }
  }

  return (
    <li data-testid="preorder" data-preorder-id={preorder.id} data-status={preorder.status} className="py-3 text-sm">
      <div className="flex items-start justify-between gap-2">
        <span>
          <span className="font-medium">{name}</span> ×{preorder.quantity} · {formatMoney(preorder.amountPaid)}
        </span>
        <span data-testid="preorder-status" className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-semibold ${statusTone[preorder.status]}`}>
          {statusWords[preorder.status]}
        </span>
      </div>
      {!ended && <Progress at={progressOf(preorder.status) ?? -1} />}
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 text-xs text-slate-600">
        <dt>Ordered</dt>
        <dd title={formatDateTime(preorder.createdAt)}>{formatDay(preorder.createdAt)}</dd>
        <dt>Ships</dt>
        <dd data-testid="preorder-ships" title={formatDateTime(preorder.releaseAt)}>
          {formatDay(preorder.releaseAt)}
        </dd>
        {!ended && preorder.status !== "picked_up" && preorder.status !== "delivered" && (
          <>
            <dt>Fulfil by</dt>
            <dd title={formatDateTime(preorder.fulfillBy)}>{formatDateTime(preorder.fulfillBy)}</dd>
          </>
        )}
      </dl>
      {ended && <Undone preorder={preorder} />}
      {shopperMayCancel(preorder.status) && (
        <button
          type="button"
          onClick={() => void cancel()}
          disabled={cancelling}
          className="mt-2 rounded-md border border-slate-300 bg-white px-3 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-50"
        >
          {cancelling ? "Cancelling…" : "Cancel pre-order"}
        </button>
      )}
      {problem && (
        <p role="alert" className="mt-1 text-xs text-rose-700">
          {problem}
        </p>
      )}
    </li>
  );
}

/** Paid › Reserved › Released › Being prepared › Picked up › Delivered, with the steps reached marked. */
function Progress({ at }: { at: number }) {
  return (
    <ol aria-label="Progress" data-testid="preorder-progress" className="mt-2 flex flex-wrap items-center gap-x-1 gap-y-1 text-xs">
      {progressSteps.map((step, index) => (
        <li key={step} data-reached={index <= at} aria-current={index === at ? "step" : undefined} className="flex items-center gap-1">
          {index > 0 && (
            <span aria-hidden="true" className={index <= at ? "text-emerald-500" : "text-slate-300"}>
              ›
            </span>
          )}
          <span className={index === at ? "rounded bg-emerald-600 px-1.5 py-0.5 font-semibold text-white" : index < at ? "text-emerald-700" : "text-slate-400"}>{step}</span>
        </li>
      ))}
    </ol>
  );
}

const stepWords = {
  release_inventory: { done: "Units released", failed: "release pending, retrying", waiting: "releasing units" },
  refund_payment: { done: "payment refunded", failed: "refund pending, retrying", waiting: "refund pending" },
} as const;

/** What was undone for an order that ended without delivery: its units back in stock, its payment refunded. */
function Undone({ preorder }: { preorder: Preorder }) {
  if (preorder.status === "rejected" && (preorder.compensations ?? []).length === 0) {
    return (
      <p data-testid="compensation" className="mt-2 rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-700">
        The payment did not go through, so nothing was charged.
      </p>
    );
  }
  const latest = latestCompensations(preorder);
  const steps = (["release_inventory", "refund_payment"] as const).filter((step) => latest[step] || step === "refund_payment");
  const words = steps.map((step) => stepWords[step][latest[step]?.status ?? "waiting"]);
  // Nothing recorded yet: the compensation is queued (it retries until done).
  const summary = latest.release_inventory || latest.refund_payment ? words.join(", ") : "releasing the units and refunding the payment…";
  return (
    <div data-testid="compensation" className="mt-2 rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-700">
      <p data-testid="compensation-summary" className="font-medium">
        {summary.charAt(0).toUpperCase() + summary.slice(1)}
      </p>
      <ul className="mt-1">
        {steps.map((step) => {
          const entry = latest[step];
          return (
            <li key={step} data-testid="compensation-step" data-step={step} data-status={entry?.status ?? "waiting"} className={entry?.status === "failed" ? "text-amber-800" : undefined}>
              {stepWords[step][entry?.status ?? "waiting"].replace(/^./, (c) => c.toUpperCase())}
              {entry && <span className="text-slate-500"> · {formatTime(Date.parse(entry.at))}</span>}
            </li>
          );
        })}
      </ul>
      {preorder.failureReason && <p className="mt-1 text-slate-500">{preorder.failureReason}</p>}
    </div>
  );
}
