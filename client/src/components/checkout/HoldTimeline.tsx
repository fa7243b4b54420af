import { useEffect, useState } from "react";
import { fetchTimeline, type TimelineEvent } from "../../api/checkout";
import { isApiError } from "../../api/http";
import { Timeline } from "./Timeline";

type Loaded = { id: string; events: TimelineEvent[] } | { id: string; error: string };

/**
 * Every step of one of the shopper's holds (GET /api/reservations/:id/timeline).
 * `version` changes when the hold may have moved on, which fetches it again.
 */
export function HoldTimeline({ token, reservationId, version }: { token: string; reservationId: string; version?: unknown }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);

  useEffect(() => {
    let cancelled = false;
    fetchTimeline(token, reservationId).then(
      (events) => !cancelled && setLoaded({ id: reservationId, events }),
      (error: unknown) => !cancelled && setLoaded({ id: reservationId, error: isApiError(error) ? error.message : "Could not load the timeline." }),
    );
    return () => {
      cancelled = true;
    };
  }, [token, reservationId, version]);

  if (!loaded || loaded.id !== reservationId) return <p className="text-sm text-slate-500">Loading the timeline…</p>;
  if ("error" in loaded) return <p className="text-sm text-rose-700">{loaded.error}</p>;
  return <Timeline events={loaded.events} />;
}
