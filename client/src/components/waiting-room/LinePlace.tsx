import { count, describeWait } from "../../lib/queue-view";

interface Props {
  view: { number: number; position: number; waitSeconds: number; progress: number; paused: boolean };
}

/** Waiting with a number: the place, the wait, and a bar that fills as the line moves. */
export function LinePlace({ view }: Props) {
  const percent = Math.round(view.progress * 100);
  return (
    <div className="rounded-lg border border-indigo-200 bg-indigo-50 px-3 py-2 text-indigo-950" data-testid="line-place" data-position={view.position}>
      <p className="text-lg font-semibold">
        You are <span data-testid="queue-position">{count(view.position)}</span> in line
        {!view.paused && (
          <span className="font-normal">
            , <span data-testid="queue-wait">{describeWait(view.waitSeconds)}</span>
          </span>
        )}
      </p>
      <div
        role="progressbar"
        aria-label="Your progress in the line"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="mt-2 h-2.5 w-full overflow-hidden rounded-full bg-indigo-100"
      >
        <div className={`h-full rounded-full transition-[width] duration-500 ${view.paused ? "bg-amber-400" : "bg-indigo-600"}`} style={{ width: `${percent}%` }} />
      </div>
      <p className="mt-1 text-xs text-indigo-800">
        Your number <strong data-testid="queue-number">{view.number}</strong>. Keep this page open, or come back: your place is kept.
      </p>
      {view.paused && (
        <p data-testid="line-paused" className="mt-2 rounded-md bg-amber-100 px-2 py-1.5 text-sm text-amber-900">
          Everything is held right now; the line moves again when units come back.
        </p>
      )}
    </div>
  );
}
