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
  /** The drop view's myQueueEntry: the place as the last GET /api/drops found it (null: not in line; undefined: not said). */
  known: QueueEntry | null | undefined;
  onUnauthorized: () => void;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An admission whose time is up, as the server answers it until its next tick marks it lapsed. */
const overdue = (entry: QueueEntry) => entry.status === "admitted" && entry.admittedUntil !== null && Date.parse(entry.admittedUntil) <= Date.parse(entry.serverTime);

/**
 * The later of two answers about one entry. "Not in line" never undoes an
 * entry: entries are never deleted, so that answer can only be the older one.
 */
function later(a: QueueEntry | null | undefined, b: QueueEntry | null | undefined): QueueEntry | null | undefined {
  if (!a) return b ?? a;
  if (!b) return a;
  return Date.parse(b.serverTime) > Date.parse(a.serverTime) ? b : a;
}

// The last entry each line showed, kept while a hold takes the waiting room's place: the drop list's copy can be older.
const remembered = new Map<string, QueueEntry>();

/**
 * The shopper's place in one drop's line. It comes with the drop list
 * (myQueueEntry), at load and after every reconnect, so a shopper not in line
 * costs no request. An entry is asked for again (GET /queue/me, which then
 * answers 200) on mount, since it may be from before a hold, and when the line
 * says something only the server can answer for it: the draw gave it a number,
 * admission reached its number, or the turn ran out. queueAdmitted flips it to
 * "your turn" at once; the closed broadcast makes it sold out without a question.
 *
 * Answers can cross on the wire: each request, and each event applied here,
 * takes a number, and an answer is applied only if nothing started after it.
 * The list's copy is taken when it is the later word of the server.
 */
export function useQueue({ token, dropId, line, known, onUnauthorized }: Options) {
  const key = `${token} ${dropId}`;
  // undefined: not known yet; null: not in this line.
  const [entry, setEntry] = useState<QueueEntry | null | undefined>(() => later(known, remembered.get(key)));
  const [seenKnown, setSeenKnown] = useState(known);
  if (known !== seenKnown) {
    setSeenKnown(known);
    setEntry(later(entry, known));
  }
  const askAtStart = useRef(entry !== null);
  useEffect(() => {
    if (entry) remembered.set(key, entry);
  }, [key, entry]);
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
    if (askAtStart.current) void refresh();
  }, [refresh]);

  useEffect(
    () =>
      onQueueSignal((signal) => {
        if (signal.dropId !== dropId) return;
        latest.current++;
        // Stamped with the server clock's now, so a drop list from before the event does not undo it.
        const at = new Date(serverNow()).toISOString();
        setEntry((current) => (current ? { ...current, status: "admitted", admittedUntil: signal.admittedUntil, position: null, estimatedWaitSeconds: null, serverTime: at } : current));
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
    setEntry((current) => (current ? { ...current, status: "sold_out", position: null, estimatedWaitSeconds: null, serverTime: new Date(serverNow()).toISOString() } : current));
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
      // The line closed or is not open yet: the page's picture of it was behind, and queueUpdated will
      // correct it. Not in line, the shopper has no entry to ask for (GET /queue/me would be a 404).
      failed(failure);
    } finally {
      setBusy(null);
    }
  }, [token, dropId, failed]);

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
