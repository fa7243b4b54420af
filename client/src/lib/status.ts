import type { DropStatus } from "../api/types";

interface StatusInputs {
  startsAt: string;
  endsAt: string | null;
  availableStock: number;
}

/**
 * The server's rule (server/src/stock/stock.ts) applied on the server clock,
 * so an upcoming drop turns live, and a live one ends, without any message.
 */
export function statusAt(drop: StatusInputs, now: number): DropStatus {
  if (now < Date.parse(drop.startsAt)) return "upcoming";
  if (drop.endsAt && now >= Date.parse(drop.endsAt)) return "ended";
  return drop.availableStock > 0 ? "live" : "sold_out";
}

export const statusLabel: Record<DropStatus, string> = {
  upcoming: "Upcoming",
  live: "Live",
  sold_out: "Sold out",
  ended: "Ended",
};
