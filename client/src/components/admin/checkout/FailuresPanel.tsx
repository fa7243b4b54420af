import { fetchFailures } from "../../../api/admin-checkout";
import { usePolling } from "./usePolling";

const WINDOW_SECONDS = 300;
const EVERY_MS = 2_500;

interface Props {
  token: string;
  onShowTimeline: (reservationId: string) => void;
  onUnauthorized: () => void;
}

/** What went wrong at checkout in the last five minutes, grouped by type and reason, refreshed every 2.5 s. */
export function FailuresPanel({ token, onShowTimeline, onUnauthorized }: Props) {
  const failures = usePolling(() => fetchFailures(token, WINDOW_SECONDS), EVERY_MS, token, onUnauthorized);
  const groups = failures.data?.groups ?? [];

  return (
    <section aria-labelledby="failures-heading" data-testid="failures" className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="flex items-baseline justify-between gap-3">
        <h3 id="failures-heading" className="font-semibold">
          Failures, last 5 minutes
        </h3>
        <span className="flex items-center gap-1.5 text-xs text-slate-500" data-testid="failures-live" data-live={failures.error ? "false" : "true"}>
          <span aria-hidden="true" className={`size-2 rounded-full ${failures.error ? "bg-amber-500" : "animate-pulse bg-emerald-500"}`} />
          {failures.error ? "Retrying…" : "Live"}
        </span>
      </div>
      {failures.error && <p className="mt-2 text-sm text-rose-700">{failures.error}</p>}
      {!failures.data && !failures.error && <p className="mt-2 text-sm text-slate-500">Loading…</p>}
      {failures.data && groups.length === 0 && <p className="mt-2 text-sm text-slate-500">No failures. Every payment in the last five minutes went through.</p>}
      {groups.length > 0 && (
        <ul className="mt-3 divide-y divide-slate-100">
          {groups.map((group) => (
            <li key={`${group.type}/${group.reason}`} data-testid="failure-group" data-type={group.type} data-reason={group.reason} className="py-2 text-sm">
              <div className="flex items-baseline justify-between gap-3">
                <p>
                  <span className="font-mono text-xs text-slate-500">{group.type}</span> <span className="font-semibold">{group.reason}</span>
                </p>
                <span data-testid="failure-count" className="rounded-full bg-rose-100 px-2 py-0.5 text-xs font-bold text-rose-800 tabular-nums">
                  {group.count}
                </span>
              </div>
              <div className="mt-1 flex flex-wrap gap-1">
                {group.reservationIds.map((id) => (
                  <button
                    key={id}
                    type="button"
                    onClick={() => onShowTimeline(id)}
                    title="Show this hold's timeline"
                    className="max-w-full truncate rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-indigo-700 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-600"
                  >
                    {id}
                  </button>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
