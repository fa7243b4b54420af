import type { DropView, QueueState } from "../../api/types";
import { formatDateTime } from "../../lib/format";
import { queueStateAt, queueStateLabel } from "../../lib/queue-state";
import { count } from "../../lib/queue-view";

const colours: Record<QueueState, string> = {
  not_open: "bg-slate-100 text-slate-700",
  pre_queue: "bg-sky-100 text-sky-800",
  admitting: "bg-emerald-100 text-emerald-800",
  paused: "bg-amber-100 text-amber-900",
  closed: "bg-rose-100 text-rose-800",
};

/** A drop's line in one row of the table: state, length, how far admission got, at what rate. */
export function LineSummary({ drop, now }: { drop: DropView; now: number }) {
  const state = queueStateAt(drop, now);
  if (!drop.queue || !state) return null;
  const open = state !== "closed";
  // Each part stays whole and the parts wrap between them: the name column is narrow on a laptop.
  return (
    <span data-testid="row-queue" data-state={state} className="mt-1 flex flex-wrap items-center gap-x-1.5 gap-y-0.5 text-xs font-normal whitespace-nowrap text-slate-600">
      <span className={`rounded px-1.5 py-0.5 font-medium ${colours[state]}`}>{queueStateLabel[state]}</span>
      {open && (
        <span>
          <strong data-testid="row-queue-length">{count(drop.queue.length)}</strong> in line
        </span>
      )}
      <span>
        through #<strong data-testid="row-queue-through">{drop.queue.admittedThrough}</strong>
      </span>
      {open && <span>{count(drop.queue.admitPerSecond)}/s</span>}
    </span>
  );
}

/** The selected drop's waiting room, live, for the details panel. */
export function LinePanel({ drop, now }: { drop: DropView; now: number }) {
  const state = queueStateAt(drop, now);
  if (!drop.queue || !state) {
    return (
      <p data-testid="line-panel" data-state="none" className="text-sm text-slate-500">
        No waiting room: shoppers reserve directly.
      </p>
    );
  }
  const queue = drop.queue;
  const facts: [string, string, string][] = [
    ["State", queueStateLabel[state], "queue-state"],
    ["In line", count(queue.length), "queue-length"],
    ["Let in through", `#${queue.admittedThrough}`, "queue-through"],
    ["Rate", `${count(queue.admitPerSecond)} per second`, "queue-rate"],
    ["Time to reserve", `${queue.admissionSeconds} s`, "queue-admission"],
    ["Opens", formatDateTime(queue.opensAt), "queue-opens"],
  ];
  return (
    <div data-testid="line-panel" data-state={state}>
      <h3 className="text-sm font-semibold">Waiting room</h3>
      <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-3">
        {facts.map(([label, value, testId]) => (
          <div key={label}>
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd data-testid={testId} className="font-medium tabular-nums">
              {value}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
