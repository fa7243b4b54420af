// A lean keep-alive HTTP client (a fixed number of connections) and the small
// helpers every scenario shares.
import http from "node:http";
import net from "node:net";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on this machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Milliseconds this process's wall clock (timeOrigin + now) is ahead of Date.now(). */
export function clockSkewMs() {
  let sum = 0;
  for (let k = 0; k < 200; k++) sum += wallNow() - Date.now();
  return sum / 200 - 0.5; // Date.now() truncates to the millisecond: half a millisecond behind on average
}

/**
 * An HTTP/1.1 keep-alive client with `connections` connections, all opened by warm() before timing.
 * request() resolves { status, body (parsed JSON or undefined), ms, at (wall time of the last byte) }
 * and never rejects on HTTP errors. By default a lean one on raw sockets (a request is one write of
 * a prebuilt head, an answer is parsed only as far as status, length and body), so the load generator
 * takes less of the CPU the server shares with it; BENCH_HTTP_CLIENT=node uses node:http's Agent.
 */
export function createClient(baseUrl, connections) {
  return process.env.BENCH_HTTP_CLIENT === "node" ? createNodeClient(baseUrl, connections) : createLeanClient(baseUrl, connections);
}

function createLeanClient(baseUrl, connections) {
  const { hostname, port } = new URL(baseUrl);
  const hostHeader = `Host: ${new URL(baseUrl).host}\r\n`;
  const idle = [];
  const waiters = [];
  const sockets = new Set();
  let open = 0;
  let closed = false;

  function connect() {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port) });
      socket.setNoDelay(true);
      const conn = { socket, pending: undefined, buf: undefined, dead: false };
      sockets.add(socket);
      socket.once("connect", () => resolve(conn));
      socket.on("data", (chunk) => onData(conn, chunk));
      const fail = (error) => {
        if (conn.dead) return;
        conn.dead = true;
        sockets.delete(socket);
        const pending = conn.pending;
        conn.pending = undefined;
        if (pending) pending.reject(error);
        else if (idle.includes(conn)) {
          idle.splice(idle.indexOf(conn), 1);
          open--;
        }
        reject(error);
      };
      socket.on("error", fail);
      socket.on("close", () => fail(Object.assign(new Error("socket closed"), { code: "ECONNRESET" })));
    });
  }

  function acquire() {
    const conn = idle.pop();
    if (conn) return Promise.resolve(conn);
    if (open < connections) {
      open++;
      return connect().catch((error) => {
        open--;
        throw error;
      });
    }
    return new Promise((resolve) => waiters.push(resolve));
  }

  function release(conn) {
    if (conn.dead || closed) {
      if (conn.dead) open--;
      conn.socket.destroy();
      // A waiter gets a new connection in place of the dead one.
      const waiter = waiters.shift();
      if (waiter && !closed) {
        open++;
        connect().then(waiter, () => {
          open--;
          waiters.unshift(waiter);
        });
      }
      return;
    }
    const waiter = waiters.shift();
    if (waiter) waiter(conn);
    else idle.push(conn);
  }

  function onData(conn, chunk) {
    const p = conn.pending;
    if (!p) return; // nothing asked: ignore
    conn.buf = conn.buf ? Buffer.concat([conn.buf, chunk]) : chunk;
    const buf = conn.buf;
    if (p.bodyStart === undefined) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buf.toString("latin1", 0, end + 2);
      p.status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      p.length = length ? Number(length[1]) : undefined;
      p.chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
      p.close = /\r\nconnection:\s*close/i.test(head);
      p.bodyStart = end + 4;
      if (p.length === undefined && !p.chunked && p.status !== 204 && p.status !== 304) p.close = true;
    }
    let text;
    if (p.length !== undefined) {
      if (buf.length < p.bodyStart + p.length) return;
      text = buf.toString("utf8", p.bodyStart, p.bodyStart + p.length);
    } else if (p.chunked) {
      const parts = [];
      let at = p.bodyStart;
      for (;;) {
        const lineEnd = buf.indexOf("\r\n", at);
        if (lineEnd < 0) return;
        const size = parseInt(buf.toString("latin1", at, lineEnd), 16);
        if (size === 0) {
          if (buf.length < lineEnd + 4) return; // "0\r\n\r\n" (no trailers from this server)
          break;
        }
        if (buf.length < lineEnd + 2 + size + 2) return;
        parts.push(buf.toString("utf8", lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      text = parts.join("");
    } else if (p.status === 204 || p.status === 304) {
      text = "";
    } else {
      return; // read until close: not used by this server
    }
    const ended = performance.now();
    conn.buf = undefined;
    conn.pending = undefined;
    if (p.close) conn.dead = true;
    let json;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    p.resolve({ status: p.status, body: json, ms: ended - p.started, at: performance.timeOrigin + ended });
  }

  async function request(method, path, { token, body } = {}) {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    let head = `${method} ${path} HTTP/1.1\r\n${hostHeader}`;
    if (token) head += `Authorization: Bearer ${token}\r\n`;
    if (payload !== undefined) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`;
    const message = payload === undefined ? `${head}\r\n` : `${head}\r\n${payload}`;
    const started = performance.now();
    const conn = await acquire();
    try {
      return await new Promise((resolve, reject) => {
        conn.pending = { resolve, reject, started };
        conn.socket.write(message);
      });
    } finally {
      release(conn);
    }
  }

  async function warm() {
    await Promise.all(Array.from({ length: connections }, () => request("GET", "/api/health")));
  }

  return {
    request,
    warm,
    close() {
      closed = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}

function createNodeClient(baseUrl, connections) {
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
