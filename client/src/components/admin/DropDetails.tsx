import { useEffect, useRef } from "react";
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
  /** Changes on each "Manage": bring these details into view (0: the page chose the drop, not the admin). */
  reveal: number;
  onSave: (fields: DropFields) => Promise<unknown>;
  onEnd: () => Promise<unknown>;
  onUnauthorized: () => void;
}

/** The selected drop: its live chart and waiting room, an edit form, and "end now". */
export function DropDetails({ drop, points, now, reveal, onSave, onEnd, onUnauthorized }: Props) {
  const status = statusAt(drop, now);
  const section = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // On a phone the details sit below the whole list, where a tap on Manage seemed to do nothing.
  // "nearest" leaves details already on screen where they are. Focus goes to the heading, not a
  // field, so a phone opens no keyboard, a screen reader says which drop opened, and Tab goes on from there.
  useEffect(() => {
    if (reveal === 0) return;
    section.current?.scrollIntoView({ block: "nearest" });
    heading.current?.focus({ preventScroll: true });
  }, [reveal]);
  return (
    <section ref={section} aria-labelledby="details-heading" className="flex flex-col gap-4">
      <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <h2 ref={heading} id="details-heading" tabIndex={-1} className="text-lg font-semibold focus:outline-none">
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
