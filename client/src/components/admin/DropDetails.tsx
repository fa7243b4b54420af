import type { DropFields } from "../../api/admin";
import type { DropView } from "../../api/types";
import type { StockPoint } from "../../hooks/useStockHistory";
import { formValuesOf } from "../../lib/drop-form";
import { statusAt } from "../../lib/status";
import { DropForm } from "./DropForm";
import { EndDropButton } from "./EndDropButton";
import { LinePanel } from "./LineStatus";
import { StockChart } from "./StockChart";

interface Props {
  drop: DropView;
  points: StockPoint[];
  now: number;
  onSave: (fields: DropFields) => Promise<unknown>;
  onEnd: () => Promise<unknown>;
  onUnauthorized: () => void;
}

/** The selected drop: its live chart and waiting room, an edit form, and "end now". */
export function DropDetails({ drop, points, now, onSave, onEnd, onUnauthorized }: Props) {
  const status = statusAt(drop, now);
  return (
    <section aria-labelledby="details-heading" className="flex flex-col gap-4">
      <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <h2 id="details-heading" className="text-lg font-semibold">
          {drop.name}: stock over time
        </h2>
        <div className="mt-3">
          <StockChart points={points} now={now} />
        </div>
        <div className="mt-4 border-t border-slate-100 pt-3">
          <LinePanel drop={drop} now={now} />
        </div>
        {status !== "ended" && (
          <div className="mt-4">
            <EndDropButton name={drop.name} onEnd={onEnd} onUnauthorized={onUnauthorized} />
          </div>
        )}
      </div>
      {/* Keyed by drop: switching drops starts a fresh form rather than carrying edits across. */}
      <DropForm key={drop.id} title={`Edit ${drop.name}`} submitLabel="Save changes" initial={formValuesOf(drop)} editing onSubmit={onSave} onUnauthorized={onUnauthorized} />
    </section>
  );
}
