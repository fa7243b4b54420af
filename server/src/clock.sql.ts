import { onlyRow, type Db } from "./db/prisma.js";

/** The database's clock, the one holds are granted and expired by. */
export async function readDatabaseClock(db: Db): Promise<Date> {
  return onlyRow(await db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`).now;
}
