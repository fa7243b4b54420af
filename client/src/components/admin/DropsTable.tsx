import type { DropView } from "../../api/types";
import { formatMoney } from "../../lib/money";
import { statusAt } from "../../lib/status";
import { StatusBadge } from "../StatusBadge";

interface Props {
  drops: DropView[];
  now: number;
  selectedId: string | null;
  onSelect: (id: string) => void;
}

/** Every drop with its live counters; a row opens its chart and edit form. */
export function DropsTable({ drops, now, selectedId, onSelect }: Props) {
  if (drops.length === 0) return <p className="text-sm text-slate-500">No drops yet: create one.</p>;
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full text-left text-sm" data-testid="drops-table">
        <caption className="sr-only">Drops and their stock, updated live</caption>
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
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
        <tbody className="divide-y divide-slate-100">
          {drops.map((drop) => {
            const selected = drop.id === selectedId;
            return (
              <tr key={drop.id} data-drop-id={drop.id} aria-selected={selected} className={selected ? "bg-indigo-50" : undefined}>
                <th scope="row" className="px-3 py-2 font-medium">{drop.name}</th>
                <td className="px-3 py-2"><StatusBadge status={statusAt(drop, now)} /></td>
                <td className="px-3 py-2 text-right tabular-nums">{formatMoney(drop.price)}</td>
                <td className="px-3 py-2 text-right tabular-nums" data-testid="row-available">{drop.availableStock}</td>
                <td className="px-3 py-2 text-right tabular-nums" data-testid="row-held">{drop.heldStock}</td>
                <td className="px-3 py-2 text-right tabular-nums" data-testid="row-sold">{drop.soldStock}</td>
                <td className="px-3 py-2 text-right tabular-nums">{drop.totalStock}</td>
                <td className="px-3 py-2 text-right">
                  <button
                    type="button"
                    onClick={() => onSelect(drop.id)}
                    aria-pressed={selected}
                    aria-label={`Manage ${drop.name}`}
                    className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600"
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
