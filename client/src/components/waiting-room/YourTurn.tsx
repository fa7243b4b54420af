import { formatCountdown, spokenDuration } from "../../lib/format";

/** Let in: the window to take a hold, counted down on the server's clock. */
export function YourTurn({ until, now }: { until: number; now: number }) {
  const left = until - now;
  const urgent = left <= 15_000;
  return (
    <p data-testid="your-turn" className={`rounded-lg border-2 px-3 py-2 text-lg font-semibold ${urgent ? "border-rose-400 bg-rose-50 text-rose-900" : "border-emerald-400 bg-emerald-50 text-emerald-900"}`}>
      It's your turn: reserve within{" "}
      <span role="timer" aria-label={spokenDuration(left)} data-testid="turn-countdown" className="font-mono tabular-nums">
        {formatCountdown(left)}
      </span>
    </p>
  );
}
