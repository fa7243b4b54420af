import { useId, useState } from "react";
import type { DropStatus, DropView } from "../api/types";
import type { Busy } from "../hooks/useHolds";
import { formatCountdown } from "../lib/format";

interface Props {
  drop: DropView;
  status: DropStatus;
  busy: Busy | undefined;
  /** Server time (ms) before which a retry is pointless (after a 429). */
  blockedUntil?: number;
  now: number;
  /** Right after a purchase: buying more is possible but not the point, so the button steps back. */
  secondary?: boolean;
  onReserve: (quantity: number) => void;
}

/** Quantity picker and Reserve, or the reason reserving is not possible now. */
export function ReserveControls({ drop, status, busy, blockedUntil, now, secondary = false, onReserve }: Props) {
  const id = useId();
  const [quantity, setQuantity] = useState(1);
  const allowance = Math.max(0, drop.maxPerUser - (drop.myPurchasedQuantity ?? 0));
  const chosen = Math.min(Math.max(1, quantity), Math.max(1, allowance));
  const waiting = blockedUntil !== undefined && blockedUntil > now;

  if (status === "ended") return <p className="text-sm text-slate-600">This drop has ended.</p>;
  if (allowance === 0) {
    return (
      <p className="text-sm text-slate-600">
        You have bought the most allowed per shopper ({drop.maxPerUser}) for this drop.
      </p>
    );
  }

  const reason =
    status === "upcoming"
      ? "Reserving opens when the drop goes live."
      : status === "sold_out"
        ? "Sold out right now: every unit is held or sold. Units come back if a hold runs out."
        : waiting
          ? `Too many requests: try again in ${formatCountdown(blockedUntil - now)}.`
          : null;

  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        onReserve(chosen);
      }}
    >
      <div>
        <label htmlFor={id} className="block text-xs font-medium text-slate-600">
          Quantity (up to {allowance})
        </label>
        <select
          id={id}
          value={chosen}
          onChange={(event) => setQuantity(Number(event.target.value))}
          className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          {Array.from({ length: allowance }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      <button
        type="submit"
        disabled={busy !== undefined || status !== "live" || waiting}
        data-emphasis={secondary ? "secondary" : "primary"}
        className={`rounded-md px-5 py-2 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:bg-slate-300 disabled:text-slate-600 ${
          secondary ? "border border-indigo-300 bg-white font-medium text-indigo-700 hover:bg-indigo-50" : "bg-indigo-600 font-semibold text-white hover:bg-indigo-700"
        }`}
      >
        {busy === "reserving" ? "Reserving…" : status === "sold_out" ? "Sold out" : secondary ? "Reserve more" : "Reserve"}
      </button>
      {reason && <p className="w-full text-sm text-slate-600">{reason}</p>}
    </form>
  );
}
