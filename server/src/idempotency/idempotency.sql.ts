import type pg from "pg";
import type { Db } from "../db/prisma.js";

/** The first half of every owner lock's key: "DROP" in ASCII, so our advisory locks are easy to spot in pg_locks. */
export const OWNER_LOCK_CLASS = 0x44524f50;

/** Held by the owner lock's connection for as long as it lives; see owner-lock.ts. */
export async function takeOwnerLock(client: pg.Client, key: number): Promise<void> {
  await client.query("SELECT pg_advisory_lock($1::int, $2::int)", [OWNER_LOCK_CLASS, key]);
}

/**
 * Claims the key for this request. An unanswered claim is taken over when it
 * is older than `abandonedAfterS`, or at once when its owner's lock is gone.
 * False when someone else holds the key or it already has an answer.
 */
export async function claimKey(db: Db, userId: string, key: string, requestHash: string, owner: number | null, abandonedAfterS: number): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`
    INSERT INTO idempotency_keys (user_id, key, request_hash, owner) VALUES (${userId}::uuid, ${key}, ${requestHash}, ${owner}::int)
    ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash, created_at = now(), owner = excluded.owner
      WHERE idempotency_keys.status_code IS NULL
        AND (idempotency_keys.created_at < now() - make_interval(secs => ${abandonedAfterS})
             OR (idempotency_keys.owner IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM pg_locks l
                   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                     AND l.classid = ${OWNER_LOCK_CLASS}::int::oid AND l.objid = idempotency_keys.owner::oid)))
    RETURNING 1`;
  return rows.length > 0;
}

export async function storeAnswer(db: Db, userId: string, key: string, statusCode: number, body: unknown): Promise<void> {
  await db.$executeRaw`UPDATE idempotency_keys SET status_code = ${statusCode}, response = ${JSON.stringify(body)}::jsonb
                       WHERE user_id = ${userId}::uuid AND key = ${key}`;
}

/** Lets the key go unanswered, so a retry runs the request again. */
export async function releaseKey(db: Db, userId: string, key: string): Promise<void> {
  await db.$executeRaw`DELETE FROM idempotency_keys WHERE user_id = ${userId}::uuid AND key = ${key}`;
}

export interface KeyRow {
  request_hash: string;
  /** null while the first request is still running. */
  status_code: number | null;
  response: unknown;
}

export async function findKey(db: Db, userId: string, key: string): Promise<KeyRow | undefined> {
  const [row] = await db.$queryRaw<KeyRow[]>`
    SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = ${userId}::uuid AND key = ${key}`;
  return row;
}

/** Keys are kept 24 h (API.md). */
export async function deleteOldIdempotencyKeys(db: Db): Promise<number> {
  return db.$executeRaw`DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`;
}
