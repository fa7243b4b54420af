import type { DropStatus } from "../api/types";
import { statusLabel } from "../lib/status";

const colours: Record<DropStatus, string> = {
  upcoming: "bg-sky-100 text-sky-800",
  live: "bg-emerald-100 text-emerald-800",
  sold_out: "bg-rose-100 text-rose-800",
  ended: "bg-slate-200 text-slate-700",
};

export function StatusBadge({ status }: { status: DropStatus }) {
  return (
    <span data-testid="status" data-status={status} className={`rounded-full px-2.5 py-0.5 text-xs font-semibold uppercase tracking-wide ${colours[status]}`}>
      {statusLabel[status]}
    </span>
  );
}
