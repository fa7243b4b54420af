import { useEffect, useEffectEvent, useState } from "react";
import { isApiError } from "../../../api/http";

export type Polled<T> = { data: T | null; error: string | null; updatedAt: number | null };

/**
 * Asks `load` now and then every `everyMs` while mounted, one request at a
 * time, again at once when `key` changes (forgetting the old answer) or when
 * `askAgain` does (keeping it on screen until the new one comes). A refused
 * admin token (401/403) goes to `onUnauthorized`.
 */
export function usePolling<T>(load: () => Promise<T>, everyMs: number, key: string, onUnauthorized: () => void, askAgain = 0): Polled<T> {
  const [state, setState] = useState<Polled<T> & { key: string }>({ data: null, error: null, updatedAt: null, key });
  const ask = useEffectEvent(load);
  const refused = useEffectEvent(onUnauthorized);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const data = await ask();
        if (!stopped) setState({ data, error: null, updatedAt: Date.now(), key });
      } catch (error) {
        if (stopped) return;
        if (isApiError(error) && (error.status === 401 || error.status === 403)) return refused();
        setState((current) => ({ ...current, error: isApiError(error) ? error.message : String(error) }));
      }
      // The next question after this answer, never overlapping: a slow server is not asked twice at once.
      if (!stopped) timer = setTimeout(() => void tick(), everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [everyMs, key, askAgain]);

  return state.key === key ? state : { data: null, error: null, updatedAt: null };
}
