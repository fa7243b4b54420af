import { useState } from "react";

/** Leaving gives the place up for good, so it asks once more, inline. */
export function LeaveLineButton({ busy, onLeave }: { busy: boolean; onLeave: () => void }) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" onClick={() => setConfirming(true)} className="self-start rounded-md px-1 py-1 text-sm text-slate-600 underline hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-600">
        Leave the line
      </button>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      <span>Leave the line? Your place goes to the next shopper.</span>
      <button
        type="button"
        onClick={onLeave}
        disabled={busy}
        className="rounded-md border border-rose-300 bg-white px-3 py-1.5 font-medium text-rose-700 hover:bg-rose-50 focus-visible:outline-2 focus-visible:outline-rose-600 disabled:opacity-50"
      >
        {busy ? "Leaving…" : "Yes, leave"}
      </button>
      <button type="button" onClick={() => setConfirming(false)} className="rounded-md px-2 py-1.5 underline focus-visible:outline-2 focus-visible:outline-indigo-600">
        Stay in line
      </button>
    </div>
  );
}
