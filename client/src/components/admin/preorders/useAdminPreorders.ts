import { useCallback, useEffect, useEffectEvent, useState } from "react";
import { isApiError } from "../../../api/http";
import { fetchAdminPreorders, type AdminPreorder } from "../../../api/preorders";

const EVERY_MS = 2_500;

/**
 * A drop's pre-orders for the admin, asked again every 2.5 s (the admin has no
 * private room to hear them change in), and at once after the admin's own action.
 */
export function useAdminPreorders(token: string, dropId: string | null, onUnauthorized: () => void) {
  const [state, setState] = useState<{ dropId: string | null; preorders: AdminPreorder[] | null; error: string | null }>({ dropId, preorders: null, error: null });
  // Bumped to ask now rather than at the next tick.
  const [asked, setAsked] = useState(0);
  const refused = useEffectEvent(onUnauthorized);

  useEffect(() => {
    if (!dropId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const preorders = await fetchAdminPreorders(token, { dropId });
        if (!stopped) setState({ dropId, preorders, error: null });
      } catch (error) {
        if (stopped) return;
        if (isApiError(error) && (error.status === 401 || error.status === 403)) return refused();
        setState((current) => ({ ...current, error: isApiError(error) ? error.message : String(error) }));
      }
      // One question at a time: the next one after this answer.
      if (!stopped) timer = setTimeout(() => void tick(), EVERY_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [token, dropId, asked]);

  const refresh = useCallback(() => setAsked((n) => n + 1), []);
  const current = state.dropId === dropId ? state : { preorders: null, error: null };
  return { preorders: current.preorders, error: current.error, refresh };
}
