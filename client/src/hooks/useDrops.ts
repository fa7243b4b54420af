import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { isApiError } from "../api/http";
import { fetchDrops } from "../api/shopper";
import type { DropView, PublicDrop, PurchaseCompleted, QueueUpdated, StockUpdated } from "../api/types";

type Mine = Pick<DropView, "myReservation" | "myPurchasedQuantity">;

/**
 * The drops on screen, kept current by the HTTP list and socket events.
 * Every stock change carries the drop's `version`; anything not newer than
 * what is held is stale (events and responses can cross on the wire).
 */
export function useDrops(options: { token: string | null; includeEnded?: boolean; onUnauthorized?: () => void }) {
  const { token, includeEnded = false } = options;
  const [drops, setDrops] = useState<DropView[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  // Read by callbacks when they run, so the callbacks stay the same across renders; updated once a render commits.
  const dropsRef = useRef(drops);
  const onUnauthorizedRef = useRef(options.onUnauthorized);
  useLayoutEffect(() => {
    dropsRef.current = drops;
    onUnauthorizedRef.current = options.onUnauthorized;
  });

  // Ordering of local edits against list requests: a list that left before a
  // purchase landed must not bring the bought hold back.
  const seq = useRef(0);
  const latestApplied = useRef(0);
  const mineChangedAt = useRef(new Map<string, number>());

  const refetch = useCallback(async () => {
    const started = ++seq.current;
    try {
      const list = await fetchDrops({ token, includeEnded });
      if (started < latestApplied.current) return;
      latestApplied.current = started;
      setDrops((current) => mergeList(current, list.drops, (id) => (mineChangedAt.current.get(id) ?? 0) > started));
      setLoaded(true);
      setLoadError(null);
    } catch (error) {
      if (isApiError(error) && error.status === 401) onUnauthorizedRef.current?.();
      setLoadError(isApiError(error) ? error.message : "Could not load the drops.");
    }
  }, [token, includeEnded]);

  useEffect(() => {
    void refetch();
  }, [refetch]);

  const applyStock = useCallback((update: StockUpdated) => {
    setDrops((current) =>
      current.map((drop) =>
        drop.id === update.dropId && update.version > drop.version
          ? {
              ...drop,
              availableStock: update.availableStock,
              heldStock: update.heldStock,
              soldStock: update.soldStock,
              status: update.status,
              version: update.version,
            }
          : drop,
      ),
    );
  }, []);

  /** dropCreated / dropUpdated: the full public view of one drop. */
  const upsertDrop = useCallback(
    (incoming: PublicDrop) => {
      // An admin edit sends stockUpdated and then dropUpdated with the same version;
      // only the full view carries the new name, price or times, so equal is accepted here.
      setDrops((current) => {
        const existing = current.find((drop) => drop.id === incoming.id);
        if (!existing) return includeEnded || incoming.status !== "ended" ? sortDrops([...current, { ...incoming }]) : current;
        if (incoming.version < existing.version) return current;
        return sortDrops(current.map((drop) => (drop.id === incoming.id ? { ...drop, ...incoming } : drop)));
      });
    },
    [includeEnded],
  );

  const applyPurchase = useCallback((event: PurchaseCompleted) => {
    // No version on this event: the newest purchase time tells which list is later.
    setDrops((current) =>
      current.map((drop) =>
        drop.id === event.dropId && newestPurchase(event.topPurchasers) >= newestPurchase(drop.topPurchasers)
          ? { ...drop, topPurchasers: event.topPurchasers }
          : drop,
      ),
    );
  }, []);

  /** queueUpdated: the waiting room's line as the admission tick last counted it. */
  const applyQueue = useCallback((update: QueueUpdated) => {
    setDrops((current) =>
      current.map((drop) =>
        drop.id === update.dropId && drop.queue
          ? {
              ...drop,
              queue: { ...drop.queue, state: update.state, length: update.length, admittedThrough: update.admittedThrough, admitPerSecond: update.admitPerSecond },
            }
          : drop,
      ),
    );
  }, []);

  /** Local knowledge of the shopper's own hold and purchases on one drop. */
  const patchMine = useCallback((dropId: string, change: (drop: DropView) => Mine) => {
    mineChangedAt.current.set(dropId, ++seq.current);
    setDrops((current) => current.map((drop) => (drop.id === dropId ? { ...drop, ...change(drop) } : drop)));
  }, []);

  const getDrop = useCallback((id: string) => dropsRef.current.find((drop) => drop.id === id), []);

  return { drops, loaded, loadError, refetch, applyStock, upsertDrop, applyPurchase, applyQueue, patchMine, getDrop };
}

export type DropsStore = ReturnType<typeof useDrops>;

function mergeList(current: DropView[], fetched: DropView[], keepLocalMine: (id: string) => boolean): DropView[] {
  const byId = new Map(current.map((drop) => [drop.id, drop]));
  return sortDrops(
    fetched.map((drop) => {
      const held = byId.get(drop.id);
      if (!held) return drop;
      // A socket event newer than this answer already arrived: keep its stock.
      const base = held.version > drop.version ? { ...drop, ...pickStock(held) } : drop;
      return keepLocalMine(drop.id) ? { ...base, myReservation: held.myReservation, myPurchasedQuantity: held.myPurchasedQuantity } : base;
    }),
  );
}

const pickStock = (drop: DropView) => ({
  availableStock: drop.availableStock,
  heldStock: drop.heldStock,
  soldStock: drop.soldStock,
  status: drop.status,
  version: drop.version,
  topPurchasers: drop.topPurchasers,
});

const newestPurchase = (list: { purchasedAt: string }[]) => Math.max(0, ...list.map((p) => Date.parse(p.purchasedAt) || 0));

// Drops starting at the same instant come back from the server in any order; cards must not swap places.
const sortDrops = (drops: DropView[]) =>
  [...drops].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
