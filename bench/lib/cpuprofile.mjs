#!/usr/bin/env node
// Summarises V8 .cpuprofile files (`node --cpu-prof`): self time by function and
// by package, optionally only the samples inside time windows. Sample times are
// V8's monotonic clock in microseconds, the clock of process.hrtime() on Linux,
// so the harness marks a window with monoMicros() and passes it here.
//
//   node bench/lib/cpuprofile.mjs [--top 20] file.cpuprofile ...   (whole profiles)
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const monoMicros = () => Number(process.hrtime.bigint() / 1000n);

/** Where a function lives: "express", "@prisma/client", "server: reservations", "node: net"... */
function packageOf(url) {
  if (!url) return "(V8 / native)";
  if (url.startsWith("wasm://")) return "wasm (the server's only WebAssembly is Prisma's query compiler)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const parts = url.slice(modules + "node_modules/".length).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith("node:")) return `node: ${url.slice(5).split("/")[0] === "internal" ? url.slice(5).split("/")[1] : url.slice(5)}`;
  const dist = url.indexOf("server/dist/");
  if (dist >= 0) return `server: ${url.slice(dist + "server/dist/".length).split("/").slice(0, -1).join("/") || "."}`;
  return path.basename(url);
}

/**
 * Self time (ms) of each function and each package in `profiles` (parsed .cpuprofile objects),
 * counting only samples inside one of `windows` ([fromMicros, toMicros], all when omitted).
 * Returns { sampledMs, idleMs, busyMs, functions: [{ name, where, ms, pct }], packages: [...] }
 * with pct as a share of busy (non-idle) time.
 */
export function summariseProfiles(profiles, { windows, top = 15 } = {}) {
  const byFunction = new Map();
  const byPackage = new Map();
  let sampled = 0;
  let idle = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    let t = profile.startTime;
    const { samples, timeDeltas } = profile;
    for (let k = 0; k < samples.length; k++) {
      t += timeDeltas[k];
      const duration = (k + 1 < samples.length ? timeDeltas[k + 1] : 0) / 1000; // until the next sample
      if (windows && !windows.some(([from, to]) => t >= from && t <= to)) continue;
      const frame = nodes.get(samples[k]).callFrame;
      sampled += duration;
      if (frame.functionName === "(idle)") {
        idle += duration;
        continue;
      }
      const where = frame.url ? `${packageOf(frame.url)} ${path.basename(frame.url)}:${frame.lineNumber + 1}` : "";
      const key = `${frame.functionName || "(anonymous)"}\t${where}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + duration);
      const pkg = frame.url ? packageOf(frame.url) : frame.functionName.startsWith("(") ? frame.functionName : "(V8 / native)";
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + duration);
    }
  }
  const busy = sampled - idle;
  const list = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => ({ ...(key.includes("\t") ? { name: key.split("\t")[0], where: key.split("\t")[1] } : { name: key }), ms: Math.round(ms), pct: busy > 0 ? Math.round((ms / busy) * 1000) / 10 : 0 }));
  return { sampledMs: Math.round(sampled), idleMs: Math.round(idle), busyMs: Math.round(busy), functions: list(byFunction), packages: list(byPackage) };
}

export function readProfile(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let top = 20;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--top") top = Number(args[++i]);
    else files.push(args[i]);
  }
  if (files.length === 0) {
    console.error("usage: node bench/lib/cpuprofile.mjs [--top N] file.cpuprofile ...");
    process.exit(2);
  }
  const s = summariseProfiles(files.map(readProfile), { top });
  console.log(`sampled ${s.sampledMs} ms, idle ${s.idleMs} ms, busy ${s.busyMs} ms\n`);
  console.log("| self ms | % of busy | function | where |\n|---|---|---|---|");
  for (const f of s.functions) console.log(`| ${f.ms} | ${f.pct} | ${f.name} | ${f.where} |`);
  console.log("\n| self ms | % of busy | package |\n|---|---|---|");
  for (const p of s.packages) console.log(`| ${p.ms} | ${p.pct} | ${p.name} |`);
}
