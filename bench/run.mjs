#!/usr/bin/env node
// `npm run bench [scenario ...]`: drives the real server over HTTP from this separate process.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFile } from "node:fs/promises";
import { ADMIN_TOKEN, startServer } from "./lib/server.mjs";
import { createClient, percentile, runPool } from "./lib/http.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HOLDS = Number(process.env.BENCH_HOLDS ?? 20_000);

async function prepareShoppers(client, count, prefix) {
  const tokens = new Array(count);
  await runPool(count, 32, async (i) => {
    const r = await client.request("POST", "/api/sessions", { body: { username: `${prefix}${i}` } });
    if (r.status !== 201) throw new Error(`session ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    tokens[i] = r.body.token;
  });
  return tokens;
}

async function hotDrop(server, connections) {
  const client = createClient(server.url, connections);
  const tokens = await prepareShoppers(client, HOLDS, `h${connections}_`);
  const drop = (await client.request("POST", "/api/drops", { token: ADMIN_TOKEN, body: { name: `Hot ${connections}`, price: "10.00", totalStock: HOLDS * 2, holdSeconds: 3600 } })).body;
  const latencies = [];
  const codes = {};
  const started = performance.now();
  await runPool(HOLDS, connections, async (i) => {
    const r = await client.request("POST", "/api/reservations", { token: tokens[i], body: { dropId: drop.id } });
    latencies.push(r.ms);
    const code = r.status === 201 ? "201" : `${r.status} ${r.body?.error}`;
    codes[code] = (codes[code] ?? 0) + 1;
  });
  const seconds = (performance.now() - started) / 1000;
  const view = (await client.request("GET", `/api/drops/${drop.id}`)).body;
  client.close();
  const granted = codes["201"] ?? 0;
  const invariantOk = view.availableStock + view.heldStock + view.soldStock === view.totalStock && view.heldStock === granted;
  if (!invariantOk) throw new Error(`stock invariant broken: ${JSON.stringify(view)} granted=${granted}`);
  latencies.sort((a, b) => a - b);
  return {
    scenario: "hot-drop",
    connections,
    holds: HOLDS,
    holdsPerSecond: Math.round(granted / seconds),
    p50ms: +percentile(latencies, 50).toFixed(1),
    p99ms: +percentile(latencies, 99).toFixed(1),
    maxms: +latencies.at(-1).toFixed(1),
    codes,
  };
}

const server = await startServer(root);
const results = [];
try {
  for (const connections of [64, 256]) {
    const result = await hotDrop(server, connections);
    results.push(result);
    console.log(JSON.stringify(result));
  }
} finally {
  await server.stop();
}
const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` };
await writeFile(path.join(root, "bench/results/latest.json"), JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2) + "\n");
console.table(results.map(({ codes, ...r }) => ({ ...r, codes: JSON.stringify(codes) })));
