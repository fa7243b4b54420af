// What the scenarios with sockets in child processes (fanout, ticketdrop-queue)
// share: starting such a process, and asking it something.
import { fork } from "node:child_process";
import { track } from "./stack.mjs";

/** A child process for thousands of sockets: its descriptor limit raised as for the server, stopped with the stack. */
export function forkSocketProcess(stack, script) {
  return track(
    stack,
    fork(script, [], {
      execPath: "/bin/sh",
      execArgv: ["-c", 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
}

/** Sends `msg` to the child and resolves with its first answer of `type`; rejects if it exits first. */
export function ask(child, msg, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(m);
    };
    const onExit = (code) => reject(new Error(`socket process exited (${code}) before answering ${type}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send(msg);
  });
}
