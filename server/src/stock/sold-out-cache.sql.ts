import type { Db } from "../db/prisma.js";

export interface SoldOutFacts {
  /** Shoppers with an active hold or a purchase on the drop. */
  shoppers: string[] | null;
  /** The earliest deadline among the drop's active holds. */
  next_deadline: Date | null;
  max_per_user: number | null;
}

/** What the sold-out fast path must know before it may refuse anyone, in one round trip. */
export async function findSoldOutFacts(db: Db, dropId: string): Promise<SoldOutFacts | undefined> {
  const [row] = await db.$queryRaw<SoldOutFacts[]>`
    SELECT
      (SELECT max_per_user FROM drops WHERE id = ${dropId}::uuid) AS max_per_user,
      (SELECT array_agg(DISTINCT user_id::text) FROM (
         SELECT user_id FROM reservations WHERE drop_id = ${dropId}::uuid AND status = 'active'
         UNION ALL
         SELECT user_id FROM purchases WHERE drop_id = ${dropId}::uuid) s) AS shoppers,
      (SELECT min(expires_at) FROM reservations WHERE drop_id = ${dropId}::uuid AND status = 'active') AS next_deadline`;
  return row;
}
