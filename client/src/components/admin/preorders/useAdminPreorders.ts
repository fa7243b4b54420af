import { useCallback, useState } from "react";
import { fetchAdminPreorders } from "../../../api/preorders";
import { usePolling } from "../checkout/usePolling";

const EVERY_MS = 2_500;

/**
 * A drop's pre-orders for the admin, asked again every 2.5 s (the admin has no
 * private room to hear them change in), and at once after the admin's own action.
 */
export function useAdminPreorders(token: string, dropId: string | null, onUnauthorized: () => void) {
  // Bumped to ask now rather than at the next tick.
  const [asked, setAsked] = useState(0);
  const polled = usePolling(() => (dropId ? fetchAdminPreorders(token, { dropId }) : Promise.resolve(null)), EVERY_MS, `${token}/${dropId}`, onUnauthorized, asked);
  const refresh = useCallback(() => setAsked((n) => n + 1), []);
  return { preorders: polled.data, error: polled.error, refresh };
}
