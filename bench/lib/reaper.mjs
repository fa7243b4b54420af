// A watchdog started by stack.mjs: should the harness die without cleaning up
// (SIGKILL, a crash), it stops the server (SIGTERM) and PostgreSQL (SIGINT,
// fast shutdown) the harness started and deletes its temp dir. It runs in its
// own session, so a Ctrl-C in the terminal does not reach it.
// argv: harnessPid tmpDir serverPid [postmasterPid]
import { rmSync } from "node:fs";

const [harnessPid, tmpDir, serverPid, postmasterPid] = process.argv.slice(2);
const alive = (pid) => {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

while (alive(harnessPid)) await sleep(500);
if (alive(serverPid)) process.kill(Number(serverPid), "SIGTERM");
for (let i = 0; i < 100 && alive(serverPid); i++) await sleep(200);
if (postmasterPid && alive(postmasterPid)) process.kill(Number(postmasterPid), "SIGINT");
for (let i = 0; i < 150 && postmasterPid && alive(postmasterPid); i++) await sleep(200);
rmSync(tmpDir, { recursive: true, force: true });
