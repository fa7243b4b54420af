import { useId, useState } from "react";
import { isApiError } from "../../api/http";

interface Props {
  notice: string | null;
  onSubmit: (token: string) => Promise<boolean>;
}

export function AdminTokenForm({ notice, onSubmit }: Props) {
  const id = useId();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!token.trim()) {
      setError("Enter the admin token.");
      return;
    }
    setChecking(true);
    setError(null);
    try {
      if (!(await onSubmit(token.trim()))) setError("Wrong admin token: the server refused it.");
    } catch (failure) {
      setError(isApiError(failure) ? failure.message : "Could not check the token.");
    } finally {
      setChecking(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="mx-auto max-w-md rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <h2 className="text-lg font-semibold">Admin sign-in</h2>
      <p className="mt-1 text-sm text-slate-600">The server's ADMIN_TOKEN. It is kept for this tab only.</p>
      {notice && <p className="mt-2 text-sm text-amber-800">{notice}</p>}
      <label htmlFor={id} className="mt-4 block text-sm font-medium">
        Admin token
      </label>
      <input
        id={id}
        type="password"
        value={token}
        onChange={(event) => setToken(event.target.value)}
        autoComplete="current-password"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 focus-visible:outline-2 focus-visible:outline-indigo-600"
      />
      {error && (
        <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-rose-700">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={checking}
        className="mt-4 rounded-md bg-indigo-600 px-5 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50"
      >
        {checking ? "Checking…" : "Sign in"}
      </button>
    </form>
  );
}
