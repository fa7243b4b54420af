// A watchdog started by stack.mjs: should the harness die without cleaning up
// (SIGKILL, a crash), it stops the server then running (SIGTERM, then its
// workers with SIGKILL) and PostgreSQL (SIGINT, fast shutdown), read from
// <tmpDir>/bench-pids.json, and deletes the temp dir. It runs in its own
// session, so a Ctrl-C in the terminal does not reach it.
// argv: harnessPid tmpDir
import { readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";

const [harnessPid, tmpDir] = process.argv.slice(2);
const alive = (pid) => {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const children = (pid) =>
  readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const text = readFileSync(`/proc/${e}/stat`, "utf8");
        return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);

while (alive(harnessPid)) await sleep(500);
let pids = {};
try {
  pids = JSON.parse(readFileSync(path.join(tmpDir, "bench-pids.json"), "utf8"));
} catch {
  // nothing started yet
}
const { server: serverPid, postmaster: postmasterPid } = pids;
if (serverPid && alive(serverPid)) {
  const workers = children(serverPid);
  process.kill(serverPid, "SIGTERM");
  for (let i = 0; i < 100 && alive(serverPid); i++) await sleep(200);
  for (const pid of workers) if (alive(pid)) process.kill(pid, "SIGKILL");
}
if (postmasterPid && alive(postmasterPid)) process.kill(postmasterPid, "SIGINT");
for (let i = 0; i < 150 && postmasterPid && alive(postmasterPid); i++) await sleep(200);
rmSync(tmpDir, { recursive: true, force: true });
