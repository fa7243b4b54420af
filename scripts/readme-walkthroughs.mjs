#!/usr/bin/env node
// README walkthroughs: runs README.md's shell blocks in order, as a reader would in one terminal,
// against the real server that its Quick start (`npm start`) builds and starts, then checks that
// each command did what the text says:
// - every command ends with exit code 0 (or the one its `# -> ...` line names);
// - every curl answers 2xx, except the one whose `# -> ...` line names another status;
// - each `# -> ...` line holds: the HTTP status, error code, "status" field, `path "value"`
//   fields, compensation steps and ticket count it names for a curl; the quoted text and the
//   error code it names for any other command;
// - a `NAME=$(...)` step leaves NAME set (not empty, "undefined" or "null");
// - no block holds a fixed date, which would make the example mean something else next year.
// A comment line "# once <something>:" makes the next command the reader's retry: it is run
// again, once a second, until it succeeds (for up to 90 s).
//
// Only the address and the data folder are rewritten: http://localhost:3001 becomes the server's
// free port, ./.data the fresh temporary DATA_DIR it runs on (DATA_DIR and DROPLINE_URL are set
// for the commands, which is how the tools are pointed elsewhere). `npm install` is taken as
// done (CI has just run npm ci) and `npm test` is left to CI, which runs it right after.
//
//   node scripts/readme-walkthroughs.mjs [README file]        (KEEP=1 keeps the temporary folder)
//
// Exit code 0 when every check passed. CI runs it before the tests.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const readmeFile = path.resolve(process.argv[2] ?? path.join(root, "README.md"));
const readme = readFileSync(readmeFile, "utf8");
const began = Date.now();
let failures = 0;

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const tail = (output, lines = 15) => "\n" + output.trim().split("\n").slice(-lines).map((line) => `    | ${line}`).join("\n");
function check(name, ok, detail = "") {
  if (!ok) failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${!ok && detail ? ` -- ${detail}` : ""}`);
  return ok;
}

// ---------------------------------------------------------------------------
// README's shell blocks, cut into the commands a reader would paste one by one

/** Each ```sh block with the heading it sits under and its first line number. */
function shellBlocks(text) {
  const blocks = [];
  let heading = "(top)";
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^#{1,4} /.test(line)) heading = line.replace(/^#+ /, "");
    const fence = /^```(sh|bash|shell)\s*$/.exec(line);
    if (!fence) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !/^```\s*$/.test(lines[i + 1])) i++;
    blocks.push({ heading, line: start + 1, body: lines.slice(start, i + 1).join("\n") });
    i++;
  }
  return blocks;
}

/** Whether bash reads `text` as whole commands (no open quote, no open `$(`, no trailing `\`). */
function isComplete(text) {
  if (/\\\s*$/.test(text)) return false;
  return spawnSync("bash", ["-n"], { input: text + "\n", stdio: ["pipe", "ignore", "ignore"] }).status === 0;
}

/**
 * A block's steps: each command (lines joined until bash reads them as complete), the `# -> ...`
 * lines after it (what it should do), and whether a "# once ...:" line before it makes it a retry.
 */
function stepsOf(body) {
  const steps = [];
  let pending = [];
  let retry = false;
  for (const line of body.split("\n")) {
    if (pending.length === 0) {
      if (line.trim() === "") continue;
      const expectation = /^\s*# -> (.*)$/.exec(line);
      if (expectation) {
        if (steps.length > 0) steps.at(-1).expectations.push(expectation[1]);
        continue;
      }
      if (/^\s*#/.test(line)) {
        if (/^\s*# once\b.*:\s*$/i.test(line)) retry = true;
        continue;
      }
    }
    pending.push(line);
    const text = pending.join("\n");
    if (isComplete(text)) {
      steps.push({ command: text, expectations: [], retry });
      pending = [];
      retry = false;
    }
  }
  if (pending.length > 0) steps.push({ command: pending.join("\n"), expectations: [], retry, incomplete: true });
  return steps;
}

// ---------------------------------------------------------------------------
// What a `# -> ...` line promises

const numberWords = { one: 1, two: 2, three: 3, four: 4, five: 5 };

/** The alternatives a line allows ("before X: A; after it: B"), each the part before its first ";". */
function alternativesOf(expectation) {
  const conditional = /^before [^:]+:\s*(.+?)(?:;\s*after [^:]+:\s*(.+))?$/i.exec(expectation);
  const parts = conditional ? [conditional[1], conditional[2]].filter(Boolean) : [expectation];
  return parts.map((part) => part.split(";")[0].trim());
}

/** Every value under `key` anywhere in a JSON value. */
function valuesOf(value, key, found = []) {
  if (Array.isArray(value)) for (const item of value) valuesOf(item, key, found);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) found.push(v);
      valuesOf(v, key, found);
    }
  }
  return found;
}

const at = (value, dotted) => dotted.split(".").reduce((node, key) => (node && typeof node === "object" ? node[key] : undefined), value);

/** What an HTTP answer must show for one alternative: a list of [description, ok]. */
function httpChecks(alternative, answer) {
  const checks = [];
  const body = answer?.body;
  const status = /^(\d{3})\b/.exec(alternative);
  if (status) checks.push([`HTTP ${status[1]}`, answer?.status === Number(status[1])]);
  for (const [code] of alternative.matchAll(/\b[A-Z]+(?:_[A-Z]+)+\b/g)) checks.push([`error ${code}`, body?.error === code]);
  let rest = alternative;
  for (const [whole, value] of alternative.matchAll(/"status":\s*"([^"]+)"/g)) {
    checks.push([`"status": "${value}"`, valuesOf(body, "status").includes(value)]);
    rest = rest.replace(whole, "");
  }
  for (const [whole, dotted, value] of rest.matchAll(/\b([a-zA-Z]+(?:\.[a-zA-Z]+)+) "([^"]+)"/g)) {
    checks.push([`${dotted} "${value}"`, at(body, dotted) === value]);
    rest = rest.replace(whole, "");
  }
  // A quoted word standing alone ("cancelled") is the status the answer reads.
  for (const [, value] of rest.matchAll(/(?:^|[\s,(])"([a-z_]+)"(?!\s*:)/g)) checks.push([`"status": "${value}"`, valuesOf(body, "status").includes(value)]);
  for (const [, step, state] of rest.matchAll(/\b([a-z]+_[a-z]+) (done|failed|pending)\b/g)) {
    const steps = valuesOf(body, "compensations").flat();
    checks.push([`${step} ${state}`, steps.some((entry) => entry?.step === step && entry?.status === state)]);
  }
  for (const [, count] of rest.matchAll(/\b(one|two|three|four|five|\d+) tickets?\b/g)) {
    const n = numberWords[count] ?? Number(count);
    checks.push([`${n} ticket(s)`, valuesOf(body, "tickets").some((tickets) => Array.isArray(tickets) && tickets.length === n)]);
  }
  return checks;
}

/** What another command's output must show for one alternative, and the exit code it names. */
function outputChecks(alternative, output, code) {
  const checks = [];
  for (const [, text] of alternative.matchAll(/"([^"]+)"/g)) checks.push([`prints "${text}"`, output.includes(text)]);
  const errorCodes = [...alternative.matchAll(/\b[A-Z]+(?:_[A-Z]+)+\b/g)].map(([c]) => c);
  for (const errorCode of errorCodes) if (!alternative.includes(`"${errorCode}"`)) checks.push([`prints ${errorCode}`, output.includes(errorCode)]);
  const named = /exit code (\d+)/.exec(alternative);
  const expected = named ? Number(named[1]) : errorCodes.length > 0 ? 1 : 0;
  checks.push([`exit code ${expected}`, code === expected]);
  return checks;
}

// ---------------------------------------------------------------------------
// Processes

/** The commands' environment: this machine's, without npm's variables or any Dropline setting. */
function cleanEnv(extra) {
  const settings = new Set([...readFileSync(path.join(root, ".env.example"), "utf8").matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map(([, key]) => key));
  for (const key of ["DROPLINE_URL", "ADMIN_TOKEN", "SESSION_SECRET", "DATABASE_URL", "DIRECT_URL", "NODE_ENV", "INIT_CWD"]) settings.add(key);
  const env = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && !settings.has(key)) env[key] = value;
  // A developer's own .env would steer the server and the tools: a variable set (even empty) wins over it.
  const own = path.join(root, ".env");
  if (existsSync(own)) {
    for (const [, key] of readFileSync(own, "utf8").matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/gm)) env[key] = "";
    console.log("(the project's .env is set aside: every variable it names is set empty here)");
  }
  return { ...env, PRISMA_HIDE_UPDATE_MESSAGE: "1", ...extra };
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** `npm start`, as the Quick start runs it, in its own process group (Ctrl-C signals the group). */
function startServer(env) {
  const child = spawn("npm", ["start"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const lines = [];
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  let onLine = () => undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      onLine(line);
    });
  }
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening after 240 s${tail(lines.join("\n"))}`)), 240_000);
    onLine = (line) => {
      if (!line.includes('"server.listening"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line).url.replace("localhost", "127.0.0.1"));
    };
    void exited.then((code) => (clearTimeout(timer), reject(new Error(`npm start exited with ${code}${tail(lines.join("\n"))}`))));
  });
  return { child, lines, exited, listening };
}

/** One bash, the reader's terminal: variables set by one block are there for the next, as for a reader. */
function startShell(env, stepsDir) {
  const child = spawn("bash", ["--noprofile", "--norc"], { cwd: root, env, stdio: ["pipe", "pipe", "inherit"] });
  const waiting = new Map();
  createInterface({ input: child.stdout }).on("line", (line) => {
    const marker = /^@@(\w+) (\d+) ?(.*)$/.exec(line);
    if (marker) waiting.get(`${marker[1]} ${marker[2]}`)?.(marker[3]);
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const expect = (key, timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => (waiting.delete(key), reject(new Error(`no answer within ${timeoutMs / 1000} s`))), timeoutMs);
      waiting.set(key, (value) => (clearTimeout(timer), waiting.delete(key), resolve(value)));
      void exited.then(() => reject(new Error("the shell ended")));
    });
  // curl as the reader runs it; besides, each answer's status and body are noted for the checks.
  child.stdin.write(`W=${shellQuote(stepsDir)}
curl() {
  local out; out=$(mktemp "$W/body.XXXXXX")
  command curl --no-progress-meter -o "$out" -w "%{stderr}@@http %{http_code} $out\\n" "$@"
  local code=$?; cat "$out"; return $code
}
`);
  let counter = 0;
  return {
    /** Runs one step; its output lands in files, its exit code comes back. */
    async run(command, timeoutMs = 120_000) {
      const n = ++counter;
      const out = path.join(stepsDir, `out.${n}`);
      const err = path.join(stepsDir, `err.${n}`);
      // The newline before "}": a command may end with a comment.
      child.stdin.write(`{ ${command}\n} > ${shellQuote(out)} 2> ${shellQuote(err)}; echo "@@done ${n} $?"\n`);
      const code = Number(await expect(`done ${n}`, timeoutMs));
      const stdout = readFileSync(out, "utf8");
      const stderr = readFileSync(err, "utf8");
      const answers = [...stderr.matchAll(/@@http (\d{3}) (\S+)/g)].map(([, status, file]) => {
        const text = readFileSync(file, "utf8");
        let body;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        return { status: Number(status), body, text };
      });
      return { code, stdout, stderr: stderr.replace(/^.*@@http .*$\n?/gm, ""), answers };
    },
    async value(name) {
      const n = ++counter;
      child.stdin.write(`printf '@@value ${n} %s\\n' "$${name}"\n`);
      return expect(`value ${n}`, 10_000);
    },
    async stop() {
      child.stdin.end();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      child.kill("SIGKILL");
    },
  };
}

const shellQuote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;

// ---------------------------------------------------------------------------
// The walkthrough

const blocks = shellBlocks(readme);
console.log(`# ${path.relative(root, readmeFile)}: ${blocks.length} shell blocks`);
for (const block of blocks) {
  const dates = block.body.match(/\b20\d\d-\d\d-\d\dT[\d:.]+Z?/g) ?? [];
  check(
    `${block.heading} (line ${block.line}): no fixed date, which would mean something else next year`,
    dates.length === 0,
    `${dates.join(", ")}: compute it, as $(node -p 'new Date(Date.now() + ...).toISOString()') does elsewhere`,
  );
}

const temporary = await mkdtemp(path.join(tmpdir(), "dropline-readme-"));
// As root, the embedded PostgreSQL runs as the postgres user, who must be able to enter DATA_DIR's parent.
await chmod(temporary, 0o755);
const dataDir = path.join(temporary, "data");
const stepsDir = path.join(temporary, "steps");
await mkdir(stepsDir);

let server;
let shell;
try {
  walk: for (const block of blocks) {
    console.log(`\n## ${block.heading} (README line ${block.line})`);
    const steps = stepsOf(block.body);
    for (const step of steps) {
      if (step.incomplete) {
        check(`a whole command: ${step.command.split("\n")[0]}`, false, "bash reads it as unfinished (an open quote or a trailing \\)");
        continue;
      }
      const original = step.command;
      const label = original.split("\n")[0].slice(0, 110);

      if (/^npm install && npm start$/.test(original.trim())) {
        server = await quickStart();
        if (!server) {
          console.log("     nothing else can run without the server");
          break walk;
        }
        shell = startShell(cleanEnv({ DATA_DIR: dataDir, DROPLINE_URL: server.url }), stepsDir);
        continue;
      }
      if (original.trim() === "npm test") {
        console.log("skip `npm test`: CI runs it right after this walkthrough");
        continue;
      }
      if (!shell) {
        check(label, false, "this command comes before any block starts the server");
        continue;
      }

      const command = original
        .replaceAll("http://localhost:3001", server.url)
        .replace(/(?<![\w/.])(?:\.\/)?\.data\//g, `${dataDir}/`);
      const since = Date.now();
      let result = await shell.run(command);
      if (step.retry) {
        while (result.code !== 0 && Date.now() - since < 90_000) {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          result = await shell.run(command);
        }
      }
      const output = result.stdout + result.stderr;
      const isCurl = /(^|[\s|(])curl\s/.test(original);
      const problems = [];

      if (isCurl) {
        if (result.code !== 0) problems.push(`exit code ${result.code}`);
        if (result.answers.length === 0) problems.push("no HTTP answer");
        const last = result.answers.at(-1);
        const namesStatus = step.expectations.some((e) => alternativesOf(e).some((a) => /^\d{3}\b/.test(a)));
        result.answers.forEach((answer, i) => {
          if ((i < result.answers.length - 1 || !namesStatus) && (answer.status < 200 || answer.status > 299)) problems.push(`HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
        });
        for (const expectation of step.expectations) {
          const outcomes = alternativesOf(expectation).map((alternative) => httpChecks(alternative, last));
          if (outcomes.every((checks) => checks.length === 0)) problems.push(`"# -> ${expectation}" names nothing to check`);
          else if (!outcomes.some((checks) => checks.length > 0 && checks.every(([, ok]) => ok))) {
            const failed = outcomes.flatMap((checks) => checks.filter(([, ok]) => !ok).map(([what]) => what));
            problems.push(`"# -> ${expectation}" does not hold (${failed.join(", ")}): HTTP ${last?.status} ${last?.text.slice(0, 300)}`);
          }
        }
      } else {
        const expectations = step.expectations.length > 0 ? step.expectations : [""];
        for (const expectation of expectations) {
          const outcomes = alternativesOf(expectation).map((alternative) => outputChecks(alternative, output, result.code));
          if (!outcomes.some((checks) => checks.every(([, ok]) => ok))) {
            const failed = outcomes.flatMap((checks) => checks.filter(([, ok]) => !ok).map(([what]) => what));
            problems.push(`${expectation ? `"# -> ${expectation}"` : "it"} does not hold (${failed.join(", ")}; exit code ${result.code})`);
          }
        }
      }
      const assigned = /^([A-Z_][A-Z0-9_]*)=\$\(/.exec(original.trim())?.[1];
      if (assigned && problems.length === 0) {
        const value = await shell.value(assigned);
        if (["", "undefined", "null"].includes(value.trim())) problems.push(`${assigned} is "${value}"`);
      }
      const passed = check(`${label}${step.retry ? " (retried until released)" : ""} (${seconds(since)})`, problems.length === 0, problems.join("; ") + tail(output));
      if (!passed) {
        console.log(`     the rest of "${block.heading}" is skipped: it builds on this command`);
        break;
      }
    }
  }

  if (server) {
    // The Scripts table: the audit works against the running server's embedded database.
    const since = Date.now();
    const audit = await shell.run("npm run -s check");
    check(`npm run check reads the running server's database and finds every counter right (${seconds(since)})`, audit.code === 0 && /every counter matches its rows/.test(audit.stdout), `exit ${audit.code}${tail(audit.stdout + audit.stderr)}`);
  }
} catch (error) {
  check("the walkthrough ran to the end", false, String(error?.stack ?? error));
} finally {
  await shell?.stop();
  if (server) await ctrlC(server);
  if (process.env.KEEP) console.log(`kept: ${temporary}`);
  else await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
}
console.log(`\nREADME walkthroughs: ${failures === 0 ? "passed" : `${failures} check(s) failed`} in ${seconds(began)}`);
process.exit(failures === 0 ? 0 : 1);

/** Quick start: `npm start` on a fresh DATA_DIR and a free port, and what the text says of it. */
async function quickStart() {
  const since = Date.now();
  const proc = startServer(cleanEnv({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1" }));
  let url;
  try {
    url = await proc.listening;
  } catch (error) {
    check("npm start builds and listens", false, error.message);
    return undefined;
  }
  check(`npm start builds the client and the server and listens (${seconds(since)})`, true);
  const page = await fetch(`${url}/`);
  const admin = await fetch(`${url}/admin`);
  check("it serves the client, and the admin page at /admin", page.status === 200 && (await page.text()).includes('<div id="root"') && admin.status === 200, `/ ${page.status}, /admin ${admin.status}`);
  const drops = await fetch(`${url}/api/drops`).then((r) => r.json()).catch(() => ({}));
  check("it created a few demo drops", Array.isArray(drops.drops) && drops.drops.length > 0, JSON.stringify(drops).slice(0, 200));
  const printed = proc.lines[proc.lines.findIndex((line) => line.includes("Admin token (generated")) + 1]?.trim();
  let kept;
  try {
    kept = JSON.parse(readFileSync(path.join(dataDir, "secrets.json"), "utf8")).adminToken;
  } catch {
    kept = undefined;
  }
  check("it printed a generated admin token, kept in .data/secrets.json", Boolean(printed) && printed === kept, `printed ${printed ? "one" : "none"}, kept ${kept ? "one" : "none"}`);
  return { ...proc, url, since };
}

/** Ctrl-C: the terminal signals the whole process group; the server and its database stop cleanly. */
async function ctrlC(proc) {
  killGroup(proc.child, "SIGINT");
  const code = await Promise.race([proc.exited, new Promise((resolve) => setTimeout(() => resolve("still running 30 s after Ctrl-C"), 30_000))]);
  if (typeof code === "string") killGroup(proc.child, "SIGKILL");
  const events = proc.lines.filter((line) => line.startsWith("{")).map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      return {};
    }
  });
  const postmaster = path.join(dataDir, "postgres", "postmaster.pid");
  // npm ends by the SIGINT itself (130 in a shell); the server inside must have stopped cleanly.
  check(
    "Ctrl-C stops the server and the database cleanly",
    (code === 0 || code === 130 || code === "SIGINT") && events.at(-1)?.event === "server.stopped" && !existsSync(postmaster),
    `exit ${code}, postmaster.pid ${existsSync(postmaster) ? "still there" : "gone"}${tail(proc.lines.join("\n"), 6)}`,
  );
}
