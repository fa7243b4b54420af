import { describe, expect, it } from "vitest";
import type { Db } from "../db/prisma.js";
import { SoldOutCache, type SoldOutObservation } from "./sold-out-cache.js";

/** A stand-in for the one query the cache makes: who is exempt, and the next hold deadline. */
function fakeDb(answer: { shoppers: string[]; nextDeadline: number | null }) {
  let release: () => void = () => undefined;
  const loaded = new Promise<void>((resolve) => (release = resolve));
  const db = {
    $queryRaw: async () => {
      await loaded;
      return [{ shoppers: answer.shoppers, next_deadline: answer.nextDeadline === null ? null : new Date(answer.nextDeadline), max_per_user: 2 }];
    },
  } as unknown as Db;
  return { db, finishLoad: async () => { release(); await new Promise((r) => setTimeout(r, 0)); } };
}

const live = { startsAt: new Date(0), endsAt: null };
const soldOut = (version: number, shopperId?: string): SoldOutObservation => ({ dropId: "d1", availableStock: 0, version, ...live, shopperId });

describe("the sold-out fast path", () => {
  it("refuses nobody until it knows who holds units, then refuses everyone else", async () => {
    let now = 1_000;
    const { db, finishLoad } = fakeDb({ shoppers: ["holder", "buyer"], nextDeadline: 60_000 });
    const cache = new SoldOutCache(db, () => now, 1_000);
    cache.observe(soldOut(5));
    expect(cache.refuses("d1", "stranger", 1)).toBe(false);
    await finishLoad();
    expect(cache.refuses("d1", "stranger", 1)).toBe(true);
    expect(cache.refuses("d1", "holder", 1)).toBe(false);
    expect(cache.refuses("d1", "buyer", 1)).toBe(false);
    expect(cache.refuses("d2", "stranger", 1)).toBe(false);
    now = 1_500;
    expect(cache.refuses("d1", "stranger", 1)).toBe(true);
  });

  it("stops refusing one tick after it last heard from the database (a change on another instance)", async () => {
    let now = 1_000;
    const { db, finishLoad } = fakeDb({ shoppers: [], nextDeadline: null });
    const cache = new SoldOutCache(db, () => now, 1_000);
    cache.observe(soldOut(5));
    await finishLoad();
    now = 1_999;
    expect(cache.refuses("d1", "stranger", 1)).toBe(true);
    now = 2_000;
    expect(cache.refuses("d1", "stranger", 1)).toBe(false);
  });

  it("stops refusing at the earliest hold deadline, when a lapsed hold frees units with no event", async () => {
    let now = 1_000;
    const { db, finishLoad } = fakeDb({ shoppers: ["holder"], nextDeadline: 1_300 });
    const cache = new SoldOutCache(db, () => now, 1_000);
    cache.observe(soldOut(5));
    await finishLoad();
    now = 1_299;
    expect(cache.refuses("d1", "stranger", 1)).toBe(true);
    now = 1_300;
    expect(cache.refuses("d1", "stranger", 1)).toBe(false);
  });

  it("forgets a drop the moment any change shows a free unit, and ignores older news", async () => {
    const now = 1_000;
    const { db, finishLoad } = fakeDb({ shoppers: [], nextDeadline: null });
    const cache = new SoldOutCache(db, () => now, 1_000);
    cache.observe(soldOut(5));
    await finishLoad();
    cache.observe({ dropId: "d1", availableStock: 1, version: 4, ...live }); // older: ignored
    expect(cache.refuses("d1", "stranger", 1)).toBe(true);
    cache.observe({ dropId: "d1", availableStock: 1, version: 6, ...live }); // a cancel
    expect(cache.refuses("d1", "stranger", 1)).toBe(false);
  });

  it("lets through a shopper who took a hold while the list was loading", async () => {
    const now = 1_000;
    const { db, finishLoad } = fakeDb({ shoppers: [], nextDeadline: null });
    const cache = new SoldOutCache(db, () => now, 1_000);
    cache.observe(soldOut(5));
    cache.observe(soldOut(6, "latecomer"));
    await finishLoad();
    expect(cache.refuses("d1", "latecomer", 1)).toBe(false);
    expect(cache.refuses("d1", "stranger", 1)).toBe(true);
    cache.observe(soldOut(7, "another"));
    expect(cache.refuses("d1", "another", 1)).toBe(false);
  });

  it("never answers for a drop that is not live (the database says DROP_NOT_LIVE)", async () => {
    let now = 1_000;
    const { db, finishLoad } = fakeDb({ shoppers: [], nextDeadline: null });
    const cache = new SoldOutCache(db, () => now, 10_000);
    cache.observe({ dropId: "d1", availableStock: 0, version: 1, startsAt: new Date(0), endsAt: new Date(1_500) });
    await finishLoad();
    expect(cache.refuses("d1", "stranger", 1)).toBe(true);
    now = 1_500;
    expect(cache.refuses("d1", "stranger", 1)).toBe(false);
  });

  it("leaves a request over the per-shopper limit to the database (LIMIT_EXCEEDED comes first)", async () => {
    const { db, finishLoad } = fakeDb({ shoppers: [], nextDeadline: null });
    const cache = new SoldOutCache(db, () => 1_000, 1_000);
    cache.observe(soldOut(5));
    await finishLoad();
    expect(cache.refuses("d1", "stranger", 2)).toBe(true);
    expect(cache.refuses("d1", "stranger", 3)).toBe(false);
  });

  it("follows an edit that ends the drop while it stays sold out (the database says DROP_NOT_LIVE)", async () => {
    let now = 1_000;
    const { db, finishLoad } = fakeDb({ shoppers: [], nextDeadline: null });
    const cache = new SoldOutCache(db, () => now, 10_000);
    cache.observe(soldOut(5));
    await finishLoad();
    cache.observe({ dropId: "d1", availableStock: 0, version: 6, startsAt: new Date(0), endsAt: new Date(1_100) });
    now = 1_100;
    expect(cache.refuses("d1", "stranger", 1)).toBe(false);
  });
});
