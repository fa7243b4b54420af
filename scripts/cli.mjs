#!/usr/bin/env node
// Runs one of the server's command-line tools from its build, rebuilding the server first only
// when the build is missing or older than its sources (or the tsconfig and package files):
//
//   node scripts/cli.mjs audit/check-cli.js [arguments]     (what `npm run check` runs)
//
// The scripts used to run `npm run build -w server` on every call, 7 to 15 s before the tool
// started. The tool runs in this process, as if started with `node server/dist/<tool>`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const serverDir = path.join(root, "server");
const sourceDir = path.join(serverDir, "src");
const distDir = path.join(serverDir, "dist");
// A change to these can change every output file.
const settingsFiles = ["server/tsconfig.json", "server/tsconfig.build.json", "server/package.json", "package.json", "package-lock.json"];

const [tool, ...args] = process.argv.slice(2);
if (!tool || !/^[\w/-]+\.js$/.test(tool)) {
  process.stderr.write("usage: node scripts/cli.mjs <tool under server/dist, e.g. audit/check-cli.js> [arguments]\n");
  process.exit(2);
}

/** Why the build is out of date (a file to name), or undefined when it is current. */
function staleBecause() {
  if (!existsSync(distDir)) return "there is no build yet";
  let oldestOutput = Infinity;
  // Each source that tsconfig.build.json compiles, against the file it compiles to.
  for (const entry of readdirSync(sourceDir, { recursive: true, withFileTypes: true })) {
    const name = entry.name;
    if (!entry.isFile() || !name.endsWith(".ts") || name.endsWith(".test.ts") || name.endsWith(".d.ts")) continue;
    const source = path.join(entry.parentPath, name);
    const relative = path.relative(sourceDir, source);
    const output = path.join(distDir, relative.replace(/\.ts$/, ".js"));
    let outputTime;
    try {
      outputTime = statSync(output).mtimeMs;
    } catch {
      return `server/src/${relative} has not been built`;
    }
    if (statSync(source).mtimeMs > outputTime) return `server/src/${relative} changed`;
    oldestOutput = Math.min(oldestOutput, outputTime);
  }
  for (const file of settingsFiles) {
    const full = path.join(root, file);
    if (existsSync(full) && statSync(full).mtimeMs > oldestOutput) return `${file} changed`;
  }
  return undefined;
}

const reason = staleBecause();
if (reason) {
  // On stderr, like everything but the tool's own answer: `--json` output stays clean.
  process.stderr.write(`Building the server first (${reason} since the last build)...\n`);
  const build = spawnSync("npm", ["run", "build", "-w", "server", "--silent"], { cwd: root, stdio: ["ignore", 2, 2] });
  if (build.status !== 0) {
    // tsc writes its output even with type errors: mark it out of date, or the next call would run it.
    const entry = path.join(distDir, tool);
    if (existsSync(entry)) utimesSync(entry, 0, 0);
    process.stderr.write(`The server's build failed (${build.error?.message ?? `exit ${build.status ?? build.signal}`}); the command did not run.\n`);
    process.exit(2);
  }
}

const entry = path.join(distDir, tool);
if (!existsSync(entry)) {
  process.stderr.write(`No tool server/dist/${tool} after the build.\n`);
  process.exit(2);
}
// The tool reads its arguments from process.argv, as when started with `node server/dist/<tool>`.
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(entry).href);
