import { useEffect, useState } from "react";
import { fetchDropName } from "../../api/preorders";
import type { DropView } from "../../api/types";

/** Names for the drops of the shopper's orders: from the live list, else asked once each. */
export function useOrderDropNames(drops: DropView[], ids: string[]): Map<string, string> {
  const [fetched, setFetched] = useState<Map<string, string>>(new Map());
  const known = new Map(fetched);
  for (const drop of drops) known.set(drop.id, drop.name);
  const missingKey = [...new Set(ids)].filter((id) => !known.has(id)).join(",");

  useEffect(() => {
    if (!missingKey) return;
    let cancelled = false;
    void Promise.all(missingKey.split(",").map((id) => fetchDropName(id).then((name) => [id, name] as const, () => [id, "Unknown drop"] as const))).then((pairs) => {
      if (!cancelled) setFetched((current) => new Map([...current, ...pairs]));
    });
    return () => {
      cancelled = true;
    };
  }, [missingKey]);

  return known;
}
