import { useCallback, useState } from "react";
import { checkAdminToken } from "../api/admin";
import { readStorage, writeStorage } from "../lib/storage";

const KEY = "dropline.adminToken";

/** The admin token for this tab only (sessionStorage): closing the tab forgets it. */
export function useAdminToken() {
  const [token, setToken] = useState<string | null>(() => readStorage("session", KEY));
  const [notice, setNotice] = useState<string | null>(null);

  /** Resolves false when the server refuses the token. */
  const signIn = useCallback(async (candidate: string) => {
    const ok = await checkAdminToken(candidate);
    if (!ok) return false;
    writeStorage("session", KEY, candidate);
    setNotice(null);
    setToken(candidate);
    return true;
  }, []);

  const signOut = useCallback((reason?: string) => {
    writeStorage("session", KEY, null);
    setToken(null);
    setNotice(reason ?? null);
  }, []);

  return { token, notice, signIn, signOut };
}
