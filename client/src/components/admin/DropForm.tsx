import { useId, useState } from "react";
import { isApiError } from "../../api/http";
import type { DropFields } from "../../api/admin";
import { fieldsToSend, queueFieldOfPath, type DropField, type DropFormValues } from "../../lib/drop-form";
import { WaitingRoomFields } from "./WaitingRoomFields";

// Wide fields take the whole row: a date input with seconds needs about 265 px to show every part.
const FIELDS: { field: DropField; label: string; type: string; hint?: string; step?: string; wide?: boolean }[] = [
  { field: "name", label: "Name", type: "text", wide: true },
  { field: "price", label: "Price", type: "text", hint: "e.g. 199.99" },
  { field: "totalStock", label: "Total stock", type: "number" },
  { field: "startsAt", label: "Starts at", type: "datetime-local", hint: "Blank: now (new drops)", step: "1", wide: true },
  { field: "endsAt", label: "Ends at", type: "datetime-local", hint: "Blank: no end", step: "1", wide: true },
  { field: "holdSeconds", label: "Hold seconds", type: "number", hint: "10 to 3600" },
  { field: "maxPerUser", label: "Max per shopper", type: "number", hint: "1 to 100" },
  { field: "imageUrl", label: "Image URL", type: "url", hint: "https:// only. Blank: no image", wide: true },
  { field: "description", label: "Description", type: "textarea", hint: "Up to 2,000 characters; line breaks are kept. Blank: none", wide: true },
];

interface Props {
  title: string;
  submitLabel: string;
  initial: DropFormValues;
  /** An edit of an existing drop: only changed fields are sent. */
  editing?: boolean;
  onSubmit: (fields: DropFields) => Promise<unknown>;
  /** The server refused the admin token. */
  onUnauthorized: () => void;
}

/** Create or edit a drop; the server's field messages appear next to their fields. */
export function DropForm({ title, submitLabel, initial, editing = false, onSubmit, onUnauthorized }: Props) {
  const id = useId();
  const [values, setValues] = useState(initial);
  // What the server had when editing began (or at the last save): the edit sends only differences from it.
  const [baseline, setBaseline] = useState(initial);
  const [errors, setErrors] = useState<Partial<Record<DropField, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  /** What an input and a textarea share: value, change, error state and note. */
  const control = (field: DropField, error: string | undefined) => ({
    value: values[field],
    onChange: (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setValues((current) => ({ ...current, [field]: event.target.value })),
    "aria-invalid": error ? true : undefined,
    "aria-describedby": `${id}-${field}-note`,
    className: `mt-1 w-full rounded-md border px-3 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600 ${error ? "border-rose-500" : "border-slate-300"}`,
  });

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const fields = fieldsToSend(values, editing ? baseline : undefined);
    if (editing && Object.keys(fields).length === 0) {
      setGeneral("Nothing changed.");
      return;
    }
    setSending(true);
    setErrors({});
    setGeneral(null);
    setDone(null);
    try {
      await onSubmit(fields);
      setDone(editing ? "Saved." : "Drop created.");
      if (editing) setBaseline(values);
      else setValues(initial);
    } catch (failure) {
      if (!isApiError(failure)) setGeneral(String(failure));
      else if (failure.status === 401 || failure.status === 403) onUnauthorized();
      else if (failure.code === "STOCK_BELOW_COMMITTED") setErrors({ totalStock: failure.message });
      else {
        const byField: Partial<Record<DropField, string>> = {};
        const other: string[] = [];
        for (const problem of failure.fieldProblems) {
          const field = FIELDS.find((f) => f.field === problem.path)?.field ?? queueFieldOfPath[problem.path];
          if (field) byField[field] ??= problem.message;
          else other.push(problem.path ? `${problem.path}: ${problem.message}` : problem.message);
        }
        setErrors(byField);
        setGeneral(other.length > 0 ? other.join("; ") : Object.keys(byField).length > 0 ? "Fix the marked fields." : failure.message);
      }
    } finally {
      setSending(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${id}-title`} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id={`${id}-title`} className="text-lg font-semibold">
        {title}
      </h2>
      <div className="mt-3 grid gap-3 sm:grid-cols-2">
        {FIELDS.map(({ field, label, type, hint, step, wide }) => {
          const error = errors[field];
          return (
            <div key={field} className={wide ? "sm:col-span-2" : undefined}>
              <label htmlFor={`${id}-${field}`} className="block text-sm font-medium">
                {label}
              </label>
              {type === "textarea" ? (
                <textarea id={`${id}-${field}`} name={field} rows={4} {...control(field, error)} />
              ) : (
                <input id={`${id}-${field}`} name={field} type={type} step={step} {...control(field, error)} />
              )}
              <p id={`${id}-${field}-note`} data-testid={`error-${field}`} className={`mt-0.5 text-xs ${error ? "text-rose-700" : "text-slate-500"}`}>
                {error ?? hint ?? ""}
              </p>
            </div>
          );
        })}
      </div>
      <WaitingRoomFields id={id} values={values} errors={errors} editing={editing} onChange={(change) => setValues((current) => ({ ...current, ...change }))} />
      <div role="status" aria-live="polite" className="mt-2 text-sm">
        {general && <p className="text-rose-700">{general}</p>}
        {done && <p className="text-emerald-700">{done}</p>}
      </div>
      <button
        type="submit"
        disabled={sending}
        className="mt-3 rounded-md bg-indigo-600 px-5 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50"
      >
        {sending ? "Saving…" : submitLabel}
      </button>
    </form>
  );
}
