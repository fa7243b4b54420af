import { lazy, Suspense, useState } from "react";
import type { Contact } from "../api/checkout";
import type { DropView, MeResponse, ReservationStatus } from "../api/types";
import { useDropNames } from "../hooks/useDropNames";
import { formatDateTime } from "../lib/format";
import { formatMoney } from "../lib/money";

// The timeline and the contact form come with the checkout chunk, when first opened.
const HoldTimeline = lazy(() => import("./checkout").then((module) => ({ default: module.HoldTimeline })));
const ContactForm = lazy(() => import("./checkout").then((module) => ({ default: module.ContactForm })));
const loading = <p className="text-sm text-slate-500">Loading…</p>;
const linkButton = "text-xs font-medium text-indigo-700 underline hover:text-indigo-900 focus-visible:outline-2 focus-visible:outline-indigo-600";

const holdLabels: Record<ReservationStatus, { text: string; style: string }> = {
  active: { text: "Holding", style: "bg-indigo-100 text-indigo-800" },
  completed: { text: "Bought", style: "bg-emerald-100 text-emerald-800" },
  expired: { text: "Expired", style: "bg-amber-100 text-amber-800" },
  cancelled: { text: "Released", style: "bg-slate-200 text-slate-700" },
};

interface Props {
  token: string;
  me: MeResponse | null;
  error: string | null;
  drops: DropView[];
}

/** The shopper's purchases and holds, newest first (GET /api/me). */
export function HistoryPanel({ token, me, error, drops }: Props) {
  const [openTimeline, setOpenTimeline] = useState<string | null>(null);
  const [contactOpen, setContactOpen] = useState(false);
  const names = useDropNames(drops, me ? [...me.purchases.map((p) => p.dropId), ...me.reservations.map((r) => r.dropId)] : []);
  const name = (id: string) => names.get(id) ?? "…";

  return (
    <section aria-labelledby="history-heading" data-testid="history" className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
      <h2 id="history-heading" className="text-lg font-semibold">
        My history
      </h2>
      {error && <p className="mt-2 text-sm text-rose-700">{error}</p>}
      {!me ? (
        <p className="mt-2 text-sm text-slate-500">Loading…</p>
      ) : (
        <div className="mt-3 grid gap-5">
          <div>
            <h3 className="text-sm font-semibold text-slate-700">Purchases</h3>
            {me.purchases.length === 0 ? (
              <p className="mt-1 text-sm text-slate-500">Nothing bought yet.</p>
            ) : (
              <ul className="mt-1 divide-y divide-slate-100 text-sm">
                {me.purchases.map((p) => (
                  <li key={p.id} className="py-2">
                    <span className="font-medium">{name(p.dropId)}</span> ×{p.quantity} · {formatMoney(p.amountPaid)}
                    <span className="block text-xs text-slate-500">
                      {p.status === "processing" ? "The bank is confirming the payment…" : <>Code <span className="font-mono">{p.confirmationCode}</span></>} ·{" "}
                      {formatDateTime(p.createdAt)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div>
            <h3 className="text-sm font-semibold text-slate-700">Holds</h3>
            {me.reservations.length === 0 ? (
              <p className="mt-1 text-sm text-slate-500">No holds yet.</p>
            ) : (
              <ul className="mt-1 divide-y divide-slate-100 text-sm">
                {me.reservations.map((r) => (
                  <li key={r.id} data-testid="history-hold" data-reservation-id={r.id} className="py-2">
                    <div className="flex items-center justify-between gap-2">
                      <span>
                        <span className="font-medium">{name(r.dropId)}</span> ×{r.quantity}
                        <span className="block text-xs text-slate-500">{formatDateTime(r.createdAt)}</span>
                      </span>
                      <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${holdLabels[r.status].style}`}>{holdLabels[r.status].text}</span>
                    </div>
                    <button type="button" aria-expanded={openTimeline === r.id} onClick={() => setOpenTimeline(openTimeline === r.id ? null : r.id)} className={linkButton}>
                      {openTimeline === r.id ? "Hide timeline" : "Timeline"}
                    </button>
                    {openTimeline === r.id && (
                      <div className="mt-2">
                        <Suspense fallback={loading}>
                          {/* Fetched again when the hold's status changes (a payment ending, an expiry). */}
                          <HoldTimeline token={token} reservationId={r.id} version={`${r.status}-${me.purchases.length}`} />
                        </Suspense>
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div>
            <button type="button" aria-expanded={contactOpen} onClick={() => setContactOpen(!contactOpen)} className={linkButton}>
              Confirmations by email or SMS
            </button>
            {contactOpen && (
              <div className="mt-2">
                <Suspense fallback={loading}>
                  <ContactForm token={token} initial={me.user as Contact} />
                </Suspense>
              </div>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
