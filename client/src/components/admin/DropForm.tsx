import { useId, useState } from "react";
import { isApiError } from "../../api/http";
import type { DropFields } from "../../api/admin";
import { fieldsToSend, preorderFieldOfPath, queueFieldOfPath, type DropField, type DropFormValues } from "../../lib/drop-form";
import { FormFields, type FieldSpec } from "./FormFields";
import { PreorderFields } from "./preorders/PreorderFields";
import { WaitingRoomFields } from "./WaitingRoomFields";

const FIELDS: FieldSpec[] = [
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
          const field = FIELDS.find((f) => f.field === problem.path)?.field ?? queueFieldOfPath[problem.path] ?? preorderFieldOfPath[problem.path];
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
      <FormFields id={id} fields={FIELDS} values={values} errors={errors} onChange={(field, value) => setValues((current) => ({ ...current, [field]: value }))} />
      {!editing && <PreorderFields id={id} values={values} errors={errors} onChange={(change) => setValues((current) => ({ ...current, ...change }))} />}
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
