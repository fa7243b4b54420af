// What PostgreSQL's client backends are doing, sampled from pg_stat_activity on a
// connection of its own: for each kind of statement (named by `kinds`, matched
// against the running query) and each wait event, the mean number of backends
// in that state over the samples. Shows where time goes inside the database
// (row locks, WAL flushes, SLRU buffers...) without restarting it.
import pg from "pg";

/**
 * `kinds`: [[label, RegExp]], first match wins; others are "other". Resolves
 * take() -> { samples, rows: [{ kind, state, mean }] } sorted by mean, and stop().
 */
export function activitySampler(databaseUrl, { everyMs = 50, kinds = [] } = {}) {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "dropline-bench-sampler" });
  client.on("error", () => undefined);
  const counts = new Map();
  let samples = 0;
  let running = true;
  const kindOf = (query) => kinds.find(([, re]) => re.test(query))?.[0] ?? "other";
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query(
        `SELECT state, wait_event_type, wait_event, left(query, 200) AS query FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'`,
      );
      samples++;
      for (const r of rows) {
        const what = r.state === "active" ? (r.wait_event ? `waiting on ${r.wait_event_type}:${r.wait_event}` : "on CPU") : `${r.state}${r.wait_event ? ` (${r.wait_event})` : ""}`;
        const key = `${kindOf(r.query)}\t${what}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    take(top = 12) {
      const rows = [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([key, n]) => ({ kind: key.split("\t")[0], state: key.split("\t")[1], mean: Math.round((n / Math.max(1, samples)) * 100) / 100 }));
      const out = { samples, rows };
      counts.clear();
      samples = 0;
      return out;
    },
    async stop() {
      running = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
