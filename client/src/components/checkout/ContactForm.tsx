import { useState, type FormEvent } from "react";
import { updateContact, verifyContact, type Contact, type ContactChange, type ContactField } from "../../api/checkout";
import { isApiError } from "../../api/http";

const box = "mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-600 aria-invalid:border-rose-500";
const input = `${box} w-full`;
const button =
  "rounded-md px-3 py-1.5 font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50";

const confirmedKey = { email: "emailConfirmed", phone: "phoneConfirmed" } as const;

/** A refusal in the shopper's words: a budget's wait in minutes, else the server's own sentence. */
const problemText = (error: unknown, fallback: string) =>
  isApiError(error) && error.status === 429 && error.retryAfterSeconds
    ? `Too many codes asked for; try again in ${Math.ceil(error.retryAfterSeconds / 60)} min.`
    : isApiError(error)
      ? error.message
      : fallback;

/**
 * Optional email and phone (E.164) for the confirmation and "cart expired"
 * messages (PATCH /api/me). A new address is sent a code and gets nothing
 * else until the code is entered here (POST /api/me/<field>/verify).
 */
export function ContactForm({ token, initial }: { token: string; initial: Contact }) {
  const [saved, setSaved] = useState<Contact>(initial);
  const [email, setEmail] = useState(initial.email ?? "");
  const [phone, setPhone] = useState(initial.phone ?? "");
  const [state, setState] = useState<{ kind: "idle" | "saving" | "saved" } | { kind: "error"; message: string; fields: Record<string, string> }>({ kind: "idle" });

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!email.trim() && !phone.trim()) return setState({ kind: "error", message: "Enter an email, a phone number, or both.", fields: {} });
    // Only what changed: the unconfirmed address sent again would be sent a new code.
    const change: ContactChange = {};
    if (email.trim() && email.trim() !== saved.email) change.email = email.trim();
    if (phone.trim() && phone.trim() !== saved.phone) change.phone = phone.trim();
    setState({ kind: "saving" });
    try {
      if (change.email || change.phone) setSaved((await updateContact(token, change)).user);
      setState({ kind: "saved" });
    } catch (error) {
      const fields = Object.fromEntries((isApiError(error) ? error.fieldProblems : []).map((p) => [p.path.split(".").pop() ?? p.path, p.message]));
      setState({ kind: "error", message: problemText(error, "Could not save."), fields });
    }
  }

  const problem = (field: string) => (state.kind === "error" ? state.fields[field] : undefined);
  const confirmed = (field: ContactField, typed: string) =>
    saved[confirmedKey[field]] && typed.trim() === saved[field] && <span data-testid={`${field}-confirmed`} className="ml-2 text-xs font-medium text-emerald-700">✓ Confirmed</span>;
  return (
    <div className="grid gap-3 text-sm">
      <form onSubmit={(event) => void submit(event)} data-testid="contact-form" className="grid gap-2" noValidate>
        <p className="text-xs text-slate-600">Optional: we send your confirmation and tickets here too, and say when a hold runs out, once you confirm the address with the code we send it.</p>
        <label className="block">
          <span className="text-xs font-medium text-slate-700">Email</span>
          {confirmed("email", email)}
          <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={Boolean(problem("email"))} className={input} />
          {problem("email") && <span className="text-xs text-rose-700">Email {problem("email")}</span>}
        </label>
        <label className="block">
          <span className="text-xs font-medium text-slate-700">Phone (international, e.g. +14155550123)</span>
          {confirmed("phone", phone)}
          <input type="tel" autoComplete="tel" value={phone} onChange={(e) => setPhone(e.target.value)} aria-invalid={Boolean(problem("phone"))} className={input} />
          {problem("phone") && <span className="text-xs text-rose-700">Phone {problem("phone")}</span>}
        </label>
        <div className="flex items-center gap-3">
          <button type="submit" disabled={state.kind === "saving"} className={`${button} bg-slate-800 text-white hover:bg-slate-900`}>
            {state.kind === "saving" ? "Saving…" : "Save"}
          </button>
          <p role="status" className="text-xs">
            {state.kind === "saved" && <span className="text-emerald-700">Saved.</span>}
            {state.kind === "error" && Object.keys(state.fields).length === 0 && <span className="text-rose-700">{state.message}</span>}
          </p>
        </div>
      </form>
      {(["email", "phone"] as const).map((field) => {
        const address = saved[field];
        return address && !saved[confirmedKey[field]] ? <CodeEntry key={`${field}:${address}`} token={token} field={field} address={address} onConfirmed={setSaved} /> : null;
      })}
    </div>
  );
}

/** The code sent to an unconfirmed address: entered here, or asked for again. */
function CodeEntry({ token, field, address, onConfirmed }: { token: string; field: ContactField; address: string; onConfirmed: (contact: Contact) => void }) {
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string }>();

  async function run(action: () => Promise<string>) {
    setBusy(true);
    try {
      setNote({ ok: true, text: await action() });
    } catch (error) {
      setNote({ ok: false, text: problemText(error, "Could not reach the server.") });
    } finally {
      setBusy(false);
    }
  }
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      onConfirmed((await verifyContact(token, field, code.trim())).user);
      return "";
    });
  };
  const resend = () =>
    void run(async () => {
      await updateContact(token, { [field]: address });
      setCode("");
      return `A new code is on its way to ${address}.`;
    });

  const name = field === "email" ? "Email code" : "Phone code";
  return (
    <form onSubmit={confirm} data-testid={`${field}-code`} className="grid gap-2 rounded-md bg-amber-50 p-2">
      <p className="text-xs text-slate-700">
        Not confirmed yet: enter the 6-digit code sent to <strong>{address}</strong>, or ask for a new one. Until then nothing else goes there.
      </p>
      <div className="flex flex-wrap items-end gap-2">
        <label className="block">
          <span className="text-xs font-medium text-slate-700">{name}</span>
          <input inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} className={`${box} w-28 tracking-widest`} />
        </label>
        <button type="submit" disabled={busy || code.trim().length !== 6} className={`${button} bg-slate-800 text-white hover:bg-slate-900`}>
          Confirm
        </button>
        <button type="button" disabled={busy} onClick={resend} className={`${button} text-indigo-700 underline hover:text-indigo-900`}>
          Send a new code
        </button>
      </div>
      {note?.text && (
        <p role="status" className={`text-xs ${note.ok ? "text-emerald-700" : "text-rose-700"}`}>
          {note.text}
        </p>
      )}
    </form>
  );
}
