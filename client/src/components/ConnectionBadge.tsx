import type { Connection } from "../hooks/useSocket";

const looks: Record<Connection, { label: string; dot: string }> = {
  connecting: { label: "Connecting…", dot: "bg-slate-400" },
  live: { label: "Live", dot: "bg-emerald-500" },
  reconnecting: { label: "Reconnecting…", dot: "bg-amber-500 animate-pulse" },
};

/** Whether stock on screen is being kept current right now. */
export function ConnectionBadge({ connection }: { connection: Connection }) {
  const look = looks[connection];
  return (
    <span
      role="status"
      data-testid="connection"
      data-state={connection}
      className="inline-flex items-center gap-2 rounded-full border border-slate-200 bg-white px-3 py-1 text-sm text-slate-700"
    >
      <span aria-hidden="true" className={`h-2.5 w-2.5 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}
