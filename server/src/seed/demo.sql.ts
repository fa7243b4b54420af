import type { Db } from "../db/prisma.js";
import type { Prisma } from "../generated/prisma/client.js";

export async function hasDrops(db: Db): Promise<boolean> {
  return (await db.drop.count()) > 0;
}

/** One transaction, one created_at: the drop list orders by it after startsAt. */
export async function insertDrops(db: Db, drops: Prisma.DropCreateInput[]): Promise<void> {
  const createdAt = new Date();
  await db.$transaction(drops.map((data) => db.drop.create({ data: { ...data, createdAt } })));
}
