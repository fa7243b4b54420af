import { useId, useState } from "react";
import { isApiError } from "../api/http";

const PATTERN = /^[A-Za-z0-9_]{3,32}$/;

interface Props {
  notice: string | null;
  onSubmit: (username: string) => Promise<void>;
}

/** Claims a username (POST /api/sessions); names are first come, first served. */
export function UsernameForm({ notice, onSubmit }: Props) {
  const id = useId();
  const [username, setUsername] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const name = username.trim();
    if (!PATTERN.test(name)) {
      setError("Use 3 to 32 letters, digits or underscores.");
      return;
    }
    setSending(true);
    setError(null);
    try {
      await onSubmit(name);
    } catch (failure) {
      if (isApiError(failure) && failure.code === "USERNAME_TAKEN") setError(`“${name}” is already taken. Try another name.`);
      else if (isApiError(failure) && failure.code === "RATE_LIMITED")
        setError(`Too many attempts. Try again in ${failure.retryAfterSeconds ?? 60} s.`);
      else setError(isApiError(failure) ? failure.message : "Could not create the session.");
    } finally {
      setSending(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="rounded-xl border border-indigo-200 bg-white p-4 shadow-sm sm:p-5">
      <h2 className="text-lg font-semibold">Pick a username to shop</h2>
      {notice && <p className="mt-1 text-sm text-amber-800">{notice}</p>}
      <div className="mt-3 flex flex-col gap-3 sm:flex-row sm:items-start">
        <div className="min-w-0 flex-1">
          <label htmlFor={id} className="sr-only">
            Username
          </label>
          <input
            id={id}
            name="username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            placeholder="e.g. sneakerhead_01"
            autoComplete="username"
            aria-invalid={error ? true : undefined}
            aria-describedby={`${id}-help`}
            className="w-full rounded-md border border-slate-300 px-3 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600"
          />
          <p id={`${id}-help`} className={`mt-1 text-sm ${error ? "text-rose-700" : "text-slate-500"}`} role={error ? "alert" : undefined}>
            {error ?? "3 to 32 letters, digits or underscores. It is shown to others when you buy."}
          </p>
        </div>
        <button
          type="submit"
          disabled={sending}
          className="rounded-md bg-indigo-600 px-5 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50"
        >
          {sending ? "Starting…" : "Start shopping"}
        </button>
      </div>
    </form>
  );
}
