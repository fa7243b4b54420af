import { z } from "zod";

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isOurId = (id: string) => UUID_PATTERN.test(id);

/**
 * Our ids in their one spelling (lower case). PostgreSQL reads any casing of a
 * uuid, but everything keyed by id in memory (the per-drop gate, the sold-out
 * cache) and every answer must see one id, not one per casing.
 */
export const canonicalId = (id: string) => (isOurId(id) ? id.toLowerCase() : id);

/** Ids are opaque strings; anything that is not one of ours simply matches nothing. */
export const opaqueId = z.string({ message: "must be a string id" }).min(1, "must not be empty").max(100, "is too long").transform(canonicalId);
