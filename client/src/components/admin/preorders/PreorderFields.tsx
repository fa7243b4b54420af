import { durationUnits, type DropField, type DropFormValues } from "../../../lib/drop-form";

interface Props {
  /** The form's id prefix. */
  id: string;
  values: DropFormValues;
  errors: Partial<Record<DropField, string>>;
  onChange: (change: Partial<DropFormValues>) => void;
}

const input = (error: string | undefined) =>
  `mt-1 w-full rounded-md border px-3 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600 ${error ? "border-rose-500" : "border-slate-300"}`;

/** A wait typed as a number and a unit (seconds to days), as the server's seconds. */
function Duration(props: { id: string; label: string; field: "fulfillGrace" | "pickupReminder"; hint: string } & Omit<Props, "id">) {
  const { id, label, field, hint, values, errors, onChange } = props;
  const unitField = field === "fulfillGrace" ? "fulfillGraceUnit" : "pickupReminderUnit";
  const error = errors[field];
  return (
    <div>
      <label htmlFor={`${id}-${field}`} className="block text-sm font-medium">
        {label}
      </label>
      <div className="flex gap-2">
        <input
          id={`${id}-${field}`}
          name={field}
          type="number"
          min="0"
          value={values[field]}
          onChange={(event) => onChange({ [field]: event.target.value })}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-${field}-note`}
          className={input(error)}
        />
        <select
          aria-label={`${label} unit`}
          name={unitField}
          value={values[unitField]}
          onChange={(event) => onChange({ [unitField]: event.target.value })}
          className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          {durationUnits.map((unit) => (
            <option key={unit.value} value={unit.value}>
              {unit.label}
            </option>
          ))}
        </select>
      </div>
      <p id={`${id}-${field}-note`} data-testid={`error-${field}`} className={`mt-0.5 text-xs ${error ? "text-rose-700" : "text-slate-500"}`}>
        {error ?? hint}
      </p>
    </div>
  );
}

/** Drop or pre-order, and a pre-order's release and waits, inside the new-drop form. */
export function PreorderFields({ id, values, errors, onChange }: Props) {
  const error = errors.releaseAt;
  return (
    <fieldset className="mt-4 rounded-lg border border-slate-200 p-3" data-testid="preorder-fields">
      <legend className="px-1 text-sm font-semibold">Kind</legend>
      <div className="flex flex-wrap gap-4 text-sm">
        {(
          [
            ["drop", "Drop", "Shoppers hold, then pay"],
            ["preorder", "Pre-order", "Pay now, ships on release"],
          ] as const
        ).map(([kind, label, hint]) => (
          <label key={kind} className="flex items-start gap-2">
            <input
              type="radio"
              name="kind"
              value={kind}
              checked={values.kind === kind}
              onChange={() => onChange({ kind })}
              className="mt-0.5 h-4 w-4 accent-indigo-600"
            />
            <span>
              {label}
              <span className="block text-xs text-slate-500">{hint}</span>
            </span>
          </label>
        ))}
      </div>
      {values.kind === "preorder" && (
        <div className="mt-3 grid gap-3 sm:grid-cols-2">
          <div className="sm:col-span-2">
            <label htmlFor={`${id}-releaseAt`} className="block text-sm font-medium">
              Release at
            </label>
            <input
              id={`${id}-releaseAt`}
              name="releaseAt"
              type="datetime-local"
              step="1"
              value={values.releaseAt}
              onChange={(event) => onChange({ releaseAt: event.target.value })}
              aria-invalid={error ? true : undefined}
              aria-describedby={`${id}-releaseAt-note`}
              className={input(error)}
            />
            <p id={`${id}-releaseAt-note`} data-testid="error-releaseAt" className={`mt-0.5 text-xs ${error ? "text-rose-700" : "text-slate-500"}`}>
              {error ?? "When orders are released for fulfilment (and shown as the ship date)"}
            </p>
          </div>
          <Duration id={id} label="Fulfil within" field="fulfillGrace" hint="After release; then unfulfilled orders time out and are refunded" values={values} errors={errors} onChange={onChange} />
          <Duration id={id} label="Pickup reminder every" field="pickupReminder" hint="While an order waits to be picked up" values={values} errors={errors} onChange={onChange} />
        </div>
      )}
    </fieldset>
  );
}
