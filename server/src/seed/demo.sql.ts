import type { Db } from "../db/prisma.js";
import type { Prisma } from "../generated/prisma/client.js";

export async function hasDrops(db: Db): Promise<boolean> {
  return (await db.drop.count()) > 0;
}

/** One statement: the drops share a created_at, which the drop list orders by after startsAt. */
export async function insertDrops(db: Db, drops: Prisma.DropCreateManyInput[]): Promise<void> {
  await db.drop.createMany({ data: drops });
}
