import type { DropField, DropFormValues } from "../../lib/drop-form";
import { FormFields, type FieldSpec } from "./FormFields";

const FIELDS: FieldSpec[] = [
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
      {values.queueOn && <FormFields id={id} fields={FIELDS} values={values} errors={errors} onChange={(field, value) => onChange({ [field]: value })} />}
    </fieldset>
  );
}
