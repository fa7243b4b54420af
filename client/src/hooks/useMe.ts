import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { isApiError } from "../api/http";
import { fetchMe } from "../api/shopper";
import type { MeResponse } from "../api/types";

/** The shopper's history (GET /api/me), which also proves the stored token still works. */
export function useMe(token: string | null, onUnauthorized: () => void) {
  // Tagged with the token it was fetched with: another token, or none, shows no history until its own arrives.
  const [fetched, setFetched] = useState<{ token: string; me: MeResponse } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onUnauthorizedRef = useRef(onUnauthorized);
  useLayoutEffect(() => {
    onUnauthorizedRef.current = onUnauthorized;
  });
  const latest = useRef(0);

  const refresh = useCallback(async () => {
    if (!token) return;
    const request = ++latest.current;
    try {
      const answer = await fetchMe(token);
      if (request !== latest.current) return;
      setFetched({ token, me: answer });
      setError(null);
    } catch (failure) {
      if (request !== latest.current) return;
      if (isApiError(failure) && failure.status === 401) onUnauthorizedRef.current();
      else setError(isApiError(failure) ? failure.message : "Could not load your history.");
    }
  }, [token]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- refresh sets state only after its request answers, past an await the rule does not see
    void refresh();
  }, [refresh]);

  const me = fetched && fetched.token === token ? fetched.me : null;
  return { me, error, refresh };
}
