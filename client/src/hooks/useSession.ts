import { useCallback, useState } from "react";
import { createSession } from "../api/shopper";
import type { SessionResponse } from "../api/types";
import { readStorage, writeStorage } from "../lib/storage";

const KEY = "dropline.session";

function stored(): SessionResponse | null {
  try {
    const value = JSON.parse(readStorage("local", KEY) ?? "null") as SessionResponse | null;
    return value && typeof value.token === "string" && typeof value.user?.username === "string" ? value : null;
  } catch {
    return null;
  }
}

/**
 * The shopper's session, kept in localStorage so a returning shopper is still
 * themselves. It is checked by GET /api/me (useMe); a 401 there calls `expire`.
 */
export function useSession() {
  const [session, setSession] = useState<SessionResponse | null>(stored);
  const [notice, setNotice] = useState<string | null>(null);

  const signIn = useCallback(async (username: string) => {
    const created = await createSession(username);
    writeStorage("local", KEY, JSON.stringify(created));
    setNotice(null);
    setSession(created);
  }, []);

  const expire = useCallback(() => {
    writeStorage("local", KEY, null);
    setSession(null);
    setNotice("Your session is no longer valid on this server. Pick a username to continue.");
  }, []);

  return { session, token: session?.token ?? null, notice, signIn, expire };
}
