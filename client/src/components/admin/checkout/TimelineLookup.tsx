import { useEffect, useEffectEvent, useState, type FormEvent } from "react";
import { fetchAdminTimeline } from "../../../api/admin-checkout";
import type { TimelineEvent } from "../../../api/checkout";
import { isApiError } from "../../../api/http";
import { Timeline } from "../../checkout/Timeline";

interface Props {
  token: string;
  /** Chosen elsewhere (a failure group); typing another id overrides it. */
  reservationId: string | null;
  onChoose: (reservationId: string) => void;
  onUnauthorized: () => void;
}

type Loaded = { id: string; events: TimelineEvent[] } | { id: string; error: string };

/** Any hold's timeline by its id (the admin route), for debugging one shopper's story. */
export function TimelineLookup({ token, reservationId, onChoose, onUnauthorized }: Props) {
  const [typed, setTyped] = useState(reservationId ?? "");
  const [shownFor, setShownFor] = useState(reservationId);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  // A reservation chosen from the failures fills the field, as if typed.
  if (reservationId !== shownFor) {
    setShownFor(reservationId);
    setTyped(reservationId ?? "");
  }

  const refused = useEffectEvent(onUnauthorized);
  useEffect(() => {
    if (!reservationId) return;
    let cancelled = false;
    fetchAdminTimeline(token, reservationId).then(
      (events) => !cancelled && setLoaded({ id: reservationId, events }),
      (error: unknown) => {
        if (cancelled) return;
        if (isApiError(error) && (error.status === 401 || error.status === 403)) return refused();
        setLoaded({ id: reservationId, error: isApiError(error) ? error.message : "Could not load the timeline." });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [token, reservationId]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (typed.trim()) onChoose(typed.trim());
  }

  return (
    <section aria-labelledby="timeline-heading" data-testid="admin-timeline" className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <h3 id="timeline-heading" className="font-semibold">
        A hold's timeline
      </h3>
      <form onSubmit={submit} className="mt-2 flex flex-wrap gap-2">
        <label className="min-w-0 flex-1">
          <span className="sr-only">Reservation id</span>
          <input
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            placeholder="Reservation id"
            className="w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-sm focus-visible:outline-2 focus-visible:outline-indigo-600"
          />
        </label>
        <button type="submit" className="rounded-md bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
          Show timeline
        </button>
      </form>
      <div className="mt-3">
        {!reservationId ? (
          <p className="text-sm text-slate-500">Pick a reservation id in the failures, or paste one.</p>
        ) : !loaded || loaded.id !== reservationId ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : "error" in loaded ? (
          <p className="text-sm text-rose-700">{loaded.error}</p>
        ) : (
          <Timeline events={loaded.events} />
        )}
      </div>
    </section>
  );
}
