import { formatCountdown } from "../../lib/format";

/** Joined before the start: no number yet, one random draw gives everyone theirs. */
export function PreQueue({ startsAt, now }: { startsAt: string; now: number }) {
  const left = Date.parse(startsAt) - now;
  return (
    <div className="rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sky-900">
      <p className="font-semibold">You're in the pre-queue: your place is drawn at the start.</p>
      {left > 0 ? (
        <p className="mt-1 text-sm">
          Drawn in{" "}
          <span role="timer" data-testid="draw-countdown" className="font-mono text-lg font-bold tabular-nums">
            {formatCountdown(left)}
          </span>
          . Keep this page open, or come back: your place is kept.
        </p>
      ) : (
        <p className="mt-1 text-sm">Drawing places now…</p>
      )}
    </div>
  );
}
