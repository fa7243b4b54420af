-- Rate-limit counters shared by every process and instance (rate-limiter-flexible's
-- layout: key, points, expire in epoch milliseconds). UNLOGGED: a counter lost in
-- a database crash costs nothing, and skipping the WAL keeps the per-request upsert cheap.
CREATE UNLOGGED TABLE "rate_limits" (
  "key" VARCHAR(255) PRIMARY KEY,
  "points" INTEGER NOT NULL DEFAULT 0,
  "expire" BIGINT
);
