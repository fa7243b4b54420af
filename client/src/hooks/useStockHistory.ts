import { useEffect, useRef, useState } from "react";
import type { DropView } from "../api/types";
import { serverNow } from "../lib/server-clock";

export interface StockPoint {
  /** Server time, ms. */
  t: number;
  available: number;
  held: number;
  sold: number;
  total: number;
}

const MAX_POINTS = 600;

/**
 * Available / held / sold over time for every drop on the admin page, one
 * point per new version (each `stockUpdated`, edit or refetch that moved it).
 */
export function useStockHistory(drops: DropView[]): Record<string, StockPoint[]> {
  const [series, setSeries] = useState<Record<string, StockPoint[]>>({});
  const lastVersion = useRef(new Map<string, number>());

  useEffect(() => {
    const fresh = drops.filter((drop) => drop.version > (lastVersion.current.get(drop.id) ?? -1));
    if (fresh.length === 0) return;
    const t = serverNow();
    for (const drop of fresh) lastVersion.current.set(drop.id, drop.version);
    setSeries((current) => {
      const next = { ...current };
      for (const drop of fresh) {
        // The sum, not drop.totalStock: an edit's stockUpdated brings the new counters under a new version
        // and its dropUpdated the new total under the same one, which is never charted.
        const total = drop.availableStock + drop.heldStock + drop.soldStock;
        const point = { t, available: drop.availableStock, held: drop.heldStock, sold: drop.soldStock, total };
        next[drop.id] = [...(current[drop.id] ?? []), point].slice(-MAX_POINTS);
      }
      return next;
    });
  }, [drops]);

  return series;
}
