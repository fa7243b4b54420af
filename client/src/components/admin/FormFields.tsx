import type { DropField, DropFormValues } from "../../lib/drop-form";

export interface FieldSpec {
  field: DropField;
  label: string;
  type: string;
  hint?: string;
  step?: string;
  /** Takes the whole row: a date input with seconds needs about 265 px to show every part. */
  wide?: boolean;
}

interface Props {
  /** The form's id prefix. */
  id: string;
  fields: FieldSpec[];
  values: DropFormValues;
  errors: Partial<Record<DropField, string>>;
  onChange: (field: DropField, value: string) => void;
}

/** A grid of labelled fields, each with its hint, or the server's message in its place. */
export function FormFields({ id, fields, values, errors, onChange }: Props) {
  return (
    <div className="mt-3 grid gap-3 sm:grid-cols-2">
      {fields.map(({ field, label, type, hint, step, wide }) => {
        const error = errors[field];
        // What an input and a textarea share: value, change, error state and note.
        const control = {
          value: values[field],
          onChange: (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange(field, event.target.value),
          "aria-invalid": error ? true : undefined,
          "aria-describedby": `${id}-${field}-note`,
          className: `mt-1 w-full rounded-md border px-3 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600 ${error ? "border-rose-500" : "border-slate-300"}`,
        };
        return (
          <div key={field} className={wide ? "sm:col-span-2" : undefined}>
            <label htmlFor={`${id}-${field}`} className="block text-sm font-medium">
              {label}
            </label>
            {type === "textarea" ? (
              <textarea id={`${id}-${field}`} name={field} rows={4} {...control} />
            ) : (
              <input id={`${id}-${field}`} name={field} type={type} step={step} {...control} />
            )}
            <p id={`${id}-${field}-note`} data-testid={`error-${field}`} className={`mt-0.5 text-xs ${error ? "text-rose-700" : "text-slate-500"}`}>
              {error ?? hint ?? ""}
            </p>
          </div>
        );
      })}
    </div>
  );
}
