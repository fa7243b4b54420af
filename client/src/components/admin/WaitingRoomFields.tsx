import type { DropField, DropFormValues } from "../../lib/drop-form";

const FIELDS: { field: DropField; label: string; type: string; hint: string; step?: string; wide?: boolean }[] = [
  { field: "admitPerSecond", label: "Let in per second", type: "number", hint: "1 to 10,000" },
  { field: "admissionSeconds", label: "Seconds to reserve", type: "number", hint: "Once let in; 1 to 3600" },
  { field: "queueOpensAt", label: "Line opens at", type: "datetime-local", hint: "Blank: 15 minutes before the start", step: "1", wide: true },
];

interface Props {
  /** The form's id prefix. */
  id: string;
  values: DropFormValues;
  errors: Partial<Record<DropField, string>>;
  onChange: (change: Partial<DropFormValues>) => void;
  /** Turning it off on a saved drop empties its line: worth saying. */
  editing: boolean;
}

/** The waiting room's switch and settings, inside the drop form. */
export function WaitingRoomFields({ id, values, errors, onChange, editing }: Props) {
  return (
    <fieldset className="mt-4 rounded-lg border border-slate-200 p-3" data-testid="waiting-room-fields">
      <legend className="px-1 text-sm font-semibold">Waiting room</legend>
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          name="queueOn"
          checked={values.queueOn}
          onChange={(event) => onChange({ queueOn: event.target.checked })}
          className="mt-0.5 h-4 w-4 accent-indigo-600"
        />
        <span>
          Shoppers join a line and reserve when let in
          <span className="block text-xs text-slate-500">
            {editing && values.queueOn ? "Turning it off empties the line." : "For drops that draw a crowd: those who join before the start get a random place."}
          </span>
        </span>
      </label>
      {values.queueOn && (
        <div className="mt-3 grid gap-3 sm:grid-cols-2">
          {FIELDS.map(({ field, label, type, hint, step, wide }) => {
            const error = errors[field];
            return (
              <div key={field} className={wide ? "sm:col-span-2" : undefined}>
                <label htmlFor={`${id}-${field}`} className="block text-sm font-medium">
                  {label}
                </label>
                <input
                  id={`${id}-${field}`}
                  name={field}
                  type={type}
                  step={step}
                  value={values[field]}
                  onChange={(event) => onChange({ [field]: event.target.value })}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={`${id}-${field}-note`}
                  className={`mt-1 w-full rounded-md border px-3 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600 ${error ? "border-rose-500" : "border-slate-300"}`}
                />
                <p id={`${id}-${field}-note`} data-testid={`error-${field}`} className={`mt-0.5 text-xs ${error ? "text-rose-700" : "text-slate-500"}`}>
                  {error ?? hint}
                </p>
              </div>
            );
          })}
        </div>
      )}
    </fieldset>
  );
}
