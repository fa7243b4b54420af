import { useCallback, useEffect, useEffectEvent, useLayoutEffect, useRef, useState } from "react";
import { isApiError } from "../api/http";
import { fetchQueueEntry, joinQueue, leaveQueue } from "../api/queue";
import type { QueueEntry, QueueView } from "../api/types";
import { onQueueSignal } from "../lib/queue-signals";
import { serverNow } from "../lib/server-clock";

export type QueueBusy = "joining" | "leaving";

interface Options {
  token: string;
  dropId: string;
  line: QueueView;
  onUnauthorized: () => void;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An admission whose time is up, as the server answers it until its next tick marks it lapsed. */
const overdue = (entry: QueueEntry) => entry.status === "admitted" && entry.admittedUntil !== null && Date.parse(entry.admittedUntil) <= Date.parse(entry.serverTime);

/**
 * The shopper's place in one drop's line. GET /queue/me on mount restores it
 * after a reload (a remount after a hold asks again too); it is asked again
 * when the line says something only the server can answer for this entry:
 * the draw gave it a number, admission reached its number, the socket
 * reconnected, or the turn ran out. queueAdmitted flips it to "your turn" at
 * once; the closed broadcast makes it sold out without a question.
 *
 * Answers can cross on the wire: each request, and each event applied here,
 * takes a number, and an answer is applied only if nothing started after it.
 */
export function useQueue({ token, dropId, line, onUnauthorized }: Options) {
  // undefined: not known yet; null: not in this line.
  const [entry, setEntry] = useState<QueueEntry | null | undefined>(undefined);
  const [busy, setBusy] = useState<QueueBusy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  // Read when a request fails, so the callbacks below stay the same across renders.
  const onUnauthorizedRef = useRef(onUnauthorized);
  useLayoutEffect(() => {
    onUnauthorizedRef.current = onUnauthorized;
  });
  const failed = useCallback((failure: unknown) => {
    if (isApiError(failure) && failure.status === 401) onUnauthorizedRef.current();
    setError(isApiError(failure) ? failure.message : String(failure));
  }, []);

  const refresh = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const answer = await fetchQueueEntry(token, dropId);
      if (mine !== latest.current) return;
      setEntry(answer);
      setError(null);
    } catch (failure) {
      if (mine === latest.current) failed(failure);
    }
  }, [token, dropId, failed]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- refresh sets state only after its request answers, past an await the rule does not see
    void refresh();
  }, [refresh]);

  useEffect(
    () =>
      onQueueSignal((signal) => {
        if (signal.type === "resync") return void refresh();
        if (signal.dropId !== dropId) return;
        latest.current++;
        setEntry((current) => (current ? { ...current, status: "admitted", admittedUntil: signal.admittedUntil, position: null, estimatedWaitSeconds: null } : current));
        // Not in line here (another tab joined): only the server can say with which number.
        void refresh();
      }),
    [dropId, refresh],
  );

  // The line moved on in a way that concerns this entry. Every open page hears the same
  // broadcast at the same moment, so a page asks only when it must, and not all at once:
  // - the draw: a pre-queue entry now has a number only the server knows (asked within 2 s);
  // - admission reached this number: queueAdmitted normally says so first (asked within 0.5 s);
  // - the line closed: every entry still in line is sold out, which needs no question at all
  //   (50,000 pages asking at once would be the surge all over again).
  const status = entry?.status;
  const drawn = status === "pre_queue" && (line.state === "admitting" || line.state === "paused");
  const reached = status === "waiting" && entry?.number != null && line.admittedThrough >= entry.number;
  const need = drawn ? "drawn" : reached ? "reached" : null;
  useEffect(() => {
    if (!need) return;
    const timer = setTimeout(() => void refresh(), Math.random() * (need === "drawn" ? 2_000 : 500));
    return () => clearTimeout(timer);
  }, [need, refresh]);
  const inLine = status === "pre_queue" || status === "waiting" || status === "admitted";
  const closedOnMe = line.state === "closed" && inLine;
  const markSoldOut = useEffectEvent(() => {
    latest.current++;
    setEntry((current) => (current ? { ...current, status: "sold_out", position: null, estimatedWaitSeconds: null } : current));
  });
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the closed broadcast decides this entry; nothing to ask
    if (closedOnMe) markSoldOut();
  }, [closedOnMe]);

  // The turn ran out on this clock: the page already shows it passed; the server's word follows.
  const until = status === "admitted" && entry?.admittedUntil ? Date.parse(entry.admittedUntil) : null;
  useEffect(() => {
    if (until === null) return;
    const timer = setTimeout(() => void refresh(), Math.max(0, until - serverNow()) + 250);
    return () => clearTimeout(timer);
  }, [until, refresh]);

  const join = useCallback(async () => {
    const mine = ++latest.current;
    setBusy("joining");
    setError(null);
    try {
      let answer = await joinQueue(token, dropId);
      // A turn that just ran out reads as still open until the server's next tick; then a new place is given.
      for (let attempt = 0; attempt < 8 && overdue(answer); attempt++) {
        await pause(250);
        answer = await joinQueue(token, dropId);
      }
      if (mine === latest.current) setEntry(answer);
    } catch (failure) {
      failed(failure);
      // The line closed or is not open yet: the page's picture of it was behind.
      if (isApiError(failure) && failure.status === 409) void refresh();
    } finally {
      setBusy(null);
    }
  }, [token, dropId, refresh, failed]);

  const leave = useCallback(async () => {
    const mine = ++latest.current;
    setBusy("leaving");
    setError(null);
    try {
      const answer = await leaveQueue(token, dropId);
      if (mine === latest.current) setEntry(answer);
    } catch (failure) {
      failed(failure);
      if (isApiError(failure) && failure.code === "QUEUE_ENTRY_NOT_FOUND") setEntry(null);
    } finally {
      setBusy(null);
    }
  }, [token, dropId, failed]);

  return { entry, busy, error, join, leave, refresh };
}
