import { useState, type FormEvent } from "react";
import { checkInTicket } from "../../../api/admin-checkout";
import { isApiError } from "../../../api/http";

type Result = { tone: "ok" | "warn" | "error"; text: string } | null;

/** At the door: a ticket's code checks it in once; the second time says it was already used. */
export function CheckInForm({ token, onUnauthorized }: { token: string; onUnauthorized: () => void }) {
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const wanted = code.trim();
    if (!wanted) return;
    setBusy(true);
    try {
      const ticket = await checkInTicket(token, wanted);
      setResult({ tone: "ok", text: `Checked in: ticket ${ticket.code} is now used. Let them in.` });
    } catch (error) {
      if (isApiError(error) && (error.status === 401 || error.status === 403)) return onUnauthorized();
      if (isApiError(error) && error.code === "TICKET_ALREADY_USED") setResult({ tone: "warn", text: `Already used: ticket ${wanted} was checked in before.` });
      else if (isApiError(error) && error.code === "TICKET_NOT_FOUND") setResult({ tone: "error", text: `No ticket has the code ${wanted}.` });
      else setResult({ tone: "error", text: isApiError(error) ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  }

  const tones = { ok: "bg-emerald-50 text-emerald-900", warn: "bg-amber-50 text-amber-900", error: "bg-rose-50 text-rose-900" };
  return (
    <section aria-labelledby="check-in-heading" data-testid="check-in" className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <h3 id="check-in-heading" className="font-semibold">
        Ticket check-in
      </h3>
      <form onSubmit={(event) => void submit(event)} className="mt-2 flex flex-wrap gap-2">
        <label className="min-w-0 flex-1">
          <span className="sr-only">Ticket code</span>
          <input
            value={code}
            onChange={(event) => setCode(event.target.value)}
            placeholder="Ticket code"
            className="w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-sm focus-visible:outline-2 focus-visible:outline-indigo-600"
          />
        </label>
        <button
          type="submit"
          disabled={busy}
          className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50"
        >
          {busy ? "Checking…" : "Check in"}
        </button>
      </form>
      <p role="status" data-testid="check-in-result" data-tone={result?.tone} className={result ? `mt-2 rounded px-2 py-1.5 text-sm ${tones[result.tone]}` : ""}>
        {result?.text}
      </p>
    </section>
  );
}
