import { useState } from "react";
import { isApiError } from "../../api/http";

interface Props {
  name: string;
  onEnd: () => Promise<unknown>;
  onUnauthorized: () => void;
}

/** Ending a drop cannot be undone by shoppers' retries, so it asks once more inline (no blocking dialog). */
export function EndDropButton({ name, onEnd, onUnauthorized }: Props) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  async function end() {
    setSending(true);
    setError(null);
    try {
      await onEnd();
      setConfirming(false);
    } catch (failure) {
      if (isApiError(failure) && (failure.status === 401 || failure.status === 403)) onUnauthorized();
      else setError(isApiError(failure) ? failure.message : String(failure));
    } finally {
      setSending(false);
    }
  }

  return (
    <div className="flex flex-wrap items-center gap-2">
      {!confirming ? (
        <button
          type="button"
          onClick={() => setConfirming(true)}
          className="rounded-md border border-rose-300 bg-white px-4 py-2 font-medium text-rose-700 hover:bg-rose-50 focus-visible:outline-2 focus-visible:outline-rose-600"
        >
          End drop now
        </button>
      ) : (
        <>
          <span className="text-sm">End “{name}” now? Open holds can still be paid until they run out.</span>
          <button
            type="button"
            onClick={() => void end()}
            disabled={sending}
            className="rounded-md bg-rose-600 px-4 py-2 font-semibold text-white hover:bg-rose-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600 disabled:opacity-50"
          >
            {sending ? "Ending…" : "Yes, end it"}
          </button>
          <button type="button" onClick={() => setConfirming(false)} className="rounded-md px-3 py-2 text-sm underline focus-visible:outline-2 focus-visible:outline-indigo-600">
            Cancel
          </button>
        </>
      )}
      <p role="status" className="w-full text-sm text-rose-700">
        {error}
      </p>
    </div>
  );
}
