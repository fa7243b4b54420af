import type { DropView } from "../../api/types";
import { formatMoney } from "../../lib/money";
import { statusAt } from "../../lib/status";
import { StatusBadge } from "../StatusBadge";
import { LineSummary } from "./LineStatus";

interface Props {
  drops: DropView[];
  now: number;
  selectedId: string | null;
  onSelect: (id: string) => void;
}

// Below the `sm` breakpoint eight columns do not fit a phone, so each row becomes a small card:
// name and status, price, the four counters (labelled from data-label), then Manage. One table
// for every width keeps the markup, and what tests and screen readers find in it, the same.
const cell = "px-3 py-2 max-sm:p-0";
const counter = `${cell} text-right tabular-nums max-sm:text-left max-sm:before:block max-sm:before:text-xs max-sm:before:text-slate-500 max-sm:before:content-[attr(data-label)]`;

/** Every drop with its live counters; a row opens its chart and edit form. */
export function DropsTable({ drops, now, selectedId, onSelect }: Props) {
  if (drops.length === 0) return <p className="text-sm text-slate-500">No drops yet: create one.</p>;
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full text-left text-sm max-sm:block" data-testid="drops-table">
        <caption className="sr-only">Drops and their stock, updated live</caption>
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500 max-sm:sr-only">
          <tr>
            <th scope="col" className="px-3 py-2">Drop</th>
            <th scope="col" className="px-3 py-2">Status</th>
            <th scope="col" className="px-3 py-2 text-right">Price</th>
            <th scope="col" className="px-3 py-2 text-right">Available</th>
            <th scope="col" className="px-3 py-2 text-right">Held</th>
            <th scope="col" className="px-3 py-2 text-right">Sold</th>
            <th scope="col" className="px-3 py-2 text-right">Total</th>
            <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 max-sm:block">
          {drops.map((drop) => {
            const selected = drop.id === selectedId;
            return (
              <tr
                key={drop.id}
                data-drop-id={drop.id}
                aria-selected={selected}
                className={`max-sm:grid max-sm:grid-cols-4 max-sm:gap-x-2 max-sm:gap-y-2 max-sm:p-3 ${selected ? "bg-indigo-50" : ""}`}
              >
                <th scope="row" className={`${cell} font-medium break-words max-sm:col-span-3 max-sm:self-center`}>
                  {drop.name}
                  <LineSummary drop={drop} now={now} />
                </th>
                <td className={`${cell} max-sm:self-center max-sm:justify-self-end`}><StatusBadge status={statusAt(drop, now)} /></td>
                <td className={`${cell} text-right tabular-nums max-sm:col-span-4 max-sm:text-left`}>{formatMoney(drop.price)}</td>
                <td className={counter} data-label="Available" data-testid="row-available">{drop.availableStock}</td>
                <td className={counter} data-label="Held" data-testid="row-held">{drop.heldStock}</td>
                <td className={counter} data-label="Sold" data-testid="row-sold">{drop.soldStock}</td>
                <td className={counter} data-label="Total" data-testid="row-total">{drop.totalStock}</td>
                <td className={`${cell} text-right max-sm:col-span-4`}>
                  <button
                    type="button"
                    onClick={() => onSelect(drop.id)}
                    aria-pressed={selected}
                    aria-label={`Manage ${drop.name}`}
                    className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600 max-sm:w-full max-sm:py-2"
                  >
                    Manage
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
