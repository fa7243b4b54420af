// A lean keep-alive HTTP client (node:http, a fixed number of connections) and
// the small helpers every scenario shares.
import http from "node:http";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on this machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

export function createClient(baseUrl, connections) {
  const { hostname, port } = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: "fifo" });

  /** Resolves { status, body (parsed JSON or undefined), ms, at (wall time of the last byte) }; never rejects on HTTP errors. */
  function request(method, path, { token, body } = {}) {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request({ host: hostname, port, method, path, headers, agent }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          const ended = performance.now();
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, body: json, ms: ended - started, at: performance.timeOrigin + ended });
        });
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Opens every connection before timing starts, so connection setup is not measured. */
  async function warm() {
    await Promise.all(Array.from({ length: connections }, () => request("GET", "/api/health")));
  }

  return { request, warm, close: () => agent.destroy() };
}

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; with `deadline`
 * (a performance.now() value) no new task starts after it. Resolves the number started.
 */
export async function runPool(count, concurrency, task, deadline = Infinity) {
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() < deadline) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return next;
}

/** p in [0, 100] of an ascending array (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function latencySummary(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const round = (x) => Math.round(x * 10) / 10;
  return { p50ms: round(percentile(sorted, 50)), p99ms: round(percentile(sorted, 99)), maxms: round(sorted.at(-1) ?? NaN) };
}

/** "201" for success, "409 OUT_OF_STOCK" for an error answer, "500 INTERNAL" etc. */
export function answerCode(r) {
  return r.status < 300 ? String(r.status) : `${r.status} ${r.body?.error ?? "?"}`;
}

export function countInto(counts, key) {
  counts[key] = (counts[key] ?? 0) + 1;
}

export const intEnv = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
};

export const listEnv = (name, fallback) => {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`${name} must be a comma-separated list of positive integers, got "${raw}"`);
  return values;
};
