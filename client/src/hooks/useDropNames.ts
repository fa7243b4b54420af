import { useEffect, useState } from "react";
import { fetchDrop } from "../api/shopper";
import type { DropView } from "../api/types";

/**
 * Names for the drop ids in the shopper's history. /api/me sends ids only, and
 * ended drops are not in the default list, so unknown ids are looked up once.
 */
export function useDropNames(drops: DropView[], ids: string[]): Map<string, string> {
  const [fetched, setFetched] = useState<Map<string, string>>(new Map());
  const known = new Map(fetched);
  for (const drop of drops) known.set(drop.id, drop.name);
  const missing = [...new Set(ids)].filter((id) => !known.has(id));
  const missingKey = missing.join(",");

  useEffect(() => {
    if (!missingKey) return;
    let cancelled = false;
    void Promise.all(
      missingKey.split(",").map((id) =>
        fetchDrop(id)
          .then((drop) => [id, drop.name] as const)
          .catch(() => [id, "Unknown drop"] as const),
      ),
    ).then((pairs) => {
      if (!cancelled) setFetched((current) => new Map([...current, ...pairs]));
    });
    return () => {
      cancelled = true;
    };
  }, [missingKey]);

  return known;
}
