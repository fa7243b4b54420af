import { formatCountdown, formatDateTime } from "../../lib/format";

interface Props {
  drop: { startsAt: string };
  now: number;
  opensAt: string;
  /** Before opensAt: a countdown instead of the button. */
  notOpen: boolean;
  /** Out of the line again: why, so the button reads as a way back. */
  after?: "left" | "lapsed";
  busy: boolean;
  onJoin: () => void;
}

/** Not in the line: when it opens, or how to get in. */
export function JoinLine({ drop, now, opensAt, notOpen, after, busy, onJoin }: Props) {
  if (notOpen) {
    return (
      <div className="rounded-lg bg-sky-50 px-3 py-2 text-sm text-sky-900">
        <p>
          The line opens at <strong>{formatDateTime(opensAt)}</strong>, in{" "}
          <span role="timer" data-testid="opens-countdown" className="font-mono font-semibold tabular-nums">
            {formatCountdown(Date.parse(opensAt) - now)}
          </span>
          .
        </p>
        <p className="mt-1 text-xs text-sky-700">Everyone who joins before the drop starts gets a random place, drawn at the start: there is no need to be first.</p>
      </div>
    );
  }
  const beforeStart = now < Date.parse(drop.startsAt);
  return (
    <div className="flex flex-col gap-2">
      {after === "lapsed" && (
        <p className="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <strong>Your turn passed</strong> before you took a hold. You can join again, at the back of the line.
        </p>
      )}
      {after === "left" && <p className="text-sm text-slate-700">You left the line. Join again to get a new place at the back.</p>}
      {!after && (
        <p className="text-sm text-slate-700">
          {beforeStart
            ? "The line is open. Join before the start: places are drawn at random when the drop starts."
            : "Join the line to get the next number; you can reserve when it is your turn."}
        </p>
      )}
      <button
        type="button"
        onClick={onJoin}
        disabled={busy}
        className="self-start rounded-md bg-indigo-600 px-5 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50"
      >
        {busy ? "Joining…" : after ? "Join the line again" : "Join the line"}
      </button>
    </div>
  );
}
