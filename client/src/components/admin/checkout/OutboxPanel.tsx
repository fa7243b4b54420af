import { useState } from "react";
import { fetchOutbox, type OutboxMessage, type OutboxStatus } from "../../../api/admin-checkout";
import { formatDateTime } from "../../../lib/format";
import { usePolling } from "./usePolling";

const EVERY_MS = 3_000;

const statusStyle: Record<OutboxStatus, string> = {
  pending: "bg-amber-100 text-amber-800",
  sent: "bg-emerald-100 text-emerald-800",
  failed: "bg-rose-100 text-rose-800",
};

/** The outbox: every email and SMS as its recipient sees it, with its delivery attempts. */
export function OutboxPanel({ token, onUnauthorized }: { token: string; onUnauthorized: () => void }) {
  const [status, setStatus] = useState<OutboxStatus | "">("");
  const outbox = usePolling(() => fetchOutbox(token, status || undefined), EVERY_MS, `${token}/${status}`, onUnauthorized);
  const messages = outbox.data ?? [];

  return (
    <section aria-labelledby="outbox-heading" data-testid="outbox" className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h3 id="outbox-heading" className="font-semibold">
          Outbox
        </h3>
        <label className="text-sm text-slate-700">
          Status{" "}
          <select
            value={status}
            onChange={(event) => setStatus(event.target.value as OutboxStatus | "")}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-indigo-600"
          >
            <option value="">All</option>
            <option value="pending">Pending</option>
            <option value="sent">Sent</option>
            <option value="failed">Failed</option>
          </select>
        </label>
      </div>
      {outbox.error && <p className="mt-2 text-sm text-rose-700">{outbox.error}</p>}
      {!outbox.data && !outbox.error && <p className="mt-2 text-sm text-slate-500">Loading…</p>}
      {outbox.data && messages.length === 0 && <p className="mt-2 text-sm text-slate-500">No messages{status ? ` ${status}` : ""}.</p>}
      <ul className="mt-3 grid gap-4">
        {messages.map((message) => (
          <li key={message.id}>
            <Message message={message} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Message({ message }: { message: OutboxMessage }) {
  return (
    <article data-testid="outbox-message" data-channel={message.channel} data-status={message.status} className="rounded-lg border border-slate-200 p-3 text-sm">
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="rounded bg-slate-800 px-1.5 py-0.5 text-xs font-bold text-white uppercase">{message.channel}</span>
        <span className="min-w-0 font-medium break-all">{message.to}</span>
        <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${statusStyle[message.status]}`}>{message.status}</span>
        <span className="text-xs text-slate-500">
          {message.attempts} attempt{message.attempts === 1 ? "" : "s"} · {formatDateTime(message.createdAt)}
          {message.sentAt ? ` · sent ${formatDateTime(message.sentAt)}` : ""}
        </span>
      </header>
      {message.lastError && (
        <p className="mt-2 rounded bg-rose-50 px-2 py-1 text-xs text-rose-800">
          Last error: <span className="font-mono">{message.lastError}</span>
        </p>
      )}
      {message.channel === "email" ? (
        <div className="mt-2 overflow-hidden rounded-md border border-slate-200">
          <p className="border-b border-slate-200 bg-slate-50 px-2 py-1 text-xs">
            <span className="text-slate-500">Subject:</span> <strong data-testid="email-subject">{message.subject}</strong>
          </p>
          {message.html ? (
            // sandbox="" with no allowances: the email's HTML runs no script, submits no form and cannot reach this page.
            <iframe title={`Email to ${message.to}: ${message.subject ?? ""}`} sandbox="" srcDoc={message.html} className="h-80 w-full bg-white" />
          ) : (
            <pre className="max-h-80 overflow-auto p-2 text-xs whitespace-pre-wrap">{message.body}</pre>
          )}
        </div>
      ) : (
        <div className="mt-2 flex">
          <p data-testid="sms-bubble" className="max-w-xs rounded-2xl rounded-bl-sm bg-emerald-500 px-3 py-2 whitespace-pre-wrap text-white wrap-anywhere shadow-sm">
            {message.body}
          </p>
        </div>
      )}
    </article>
  );
}
