import { useCallback, useEffect, useRef, useState } from "react";
import { isApiError } from "../api/http";
import { fetchMe } from "../api/shopper";
import type { MeResponse } from "../api/types";

/** The shopper's history (GET /api/me), which also proves the stored token still works. */
export function useMe(token: string | null, onUnauthorized: () => void) {
  const [me, setMe] = useState<MeResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onUnauthorizedRef = useRef(onUnauthorized);
  onUnauthorizedRef.current = onUnauthorized;
  const latest = useRef(0);

  const refresh = useCallback(async () => {
    if (!token) {
      setMe(null);
      return;
    }
    const request = ++latest.current;
    try {
      const answer = await fetchMe(token);
      if (request !== latest.current) return;
      setMe(answer);
      setError(null);
    } catch (failure) {
      if (request !== latest.current) return;
      if (isApiError(failure) && failure.status === 401) onUnauthorizedRef.current();
      else setError(isApiError(failure) ? failure.message : "Could not load your history.");
    }
  }, [token]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return { me, error, refresh };
}
