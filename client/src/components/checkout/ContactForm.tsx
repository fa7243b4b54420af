import { useState, type FormEvent } from "react";
import { updateContact, type Contact } from "../../api/checkout";
import { isApiError } from "../../api/http";

const input =
  "mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-600 aria-invalid:border-rose-500";

/** Optional email and phone (E.164) for the confirmation and "cart expired" messages (PATCH /api/me). */
export function ContactForm({ token, initial }: { token: string; initial: Contact }) {
  const [email, setEmail] = useState(initial.email ?? "");
  const [phone, setPhone] = useState(initial.phone ?? "");
  const [state, setState] = useState<{ kind: "idle" | "saving" | "saved" } | { kind: "error"; message: string; fields: Record<string, string> }>({ kind: "idle" });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const contact: Contact = {};
    if (email.trim()) contact.email = email.trim();
    if (phone.trim()) contact.phone = phone.trim();
    if (!contact.email && !contact.phone) return setState({ kind: "error", message: "Enter an email, a phone number, or both.", fields: {} });
    setState({ kind: "saving" });
    try {
      await updateContact(token, contact);
      setState({ kind: "saved" });
    } catch (error) {
      const fields = Object.fromEntries((isApiError(error) ? error.fieldProblems : []).map((p) => [p.path.split(".").pop() ?? p.path, p.message]));
      setState({ kind: "error", message: isApiError(error) ? error.message : "Could not save.", fields });
    }
  }

  const problem = (field: string) => (state.kind === "error" ? state.fields[field] : undefined);
  return (
    <form onSubmit={(event) => void submit(event)} data-testid="contact-form" className="grid gap-2 text-sm" noValidate>
      <p className="text-xs text-slate-600">Optional: we send your confirmation and tickets here too, and say when a hold runs out.</p>
      <label className="block">
        <span className="text-xs font-medium text-slate-700">Email</span>
        <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={Boolean(problem("email"))} className={input} />
        {problem("email") && <span className="text-xs text-rose-700">Email {problem("email")}</span>}
      </label>
      <label className="block">
        <span className="text-xs font-medium text-slate-700">Phone (international, e.g. +14155550123)</span>
        <input type="tel" autoComplete="tel" value={phone} onChange={(e) => setPhone(e.target.value)} aria-invalid={Boolean(problem("phone"))} className={input} />
        {problem("phone") && <span className="text-xs text-rose-700">Phone {problem("phone")}</span>}
      </label>
      <div className="flex items-center gap-3">
        <button
          type="submit"
          disabled={state.kind === "saving"}
          className="rounded-md bg-slate-800 px-3 py-1.5 font-medium text-white hover:bg-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50"
        >
          {state.kind === "saving" ? "Saving…" : "Save"}
        </button>
        <p role="status" className="text-xs">
          {state.kind === "saved" && <span className="text-emerald-700">Saved.</span>}
          {state.kind === "error" && Object.keys(state.fields).length === 0 && <span className="text-rose-700">{state.message}</span>}
        </p>
      </div>
    </form>
  );
}
