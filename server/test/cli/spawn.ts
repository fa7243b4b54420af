import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../src/db/migrate.js";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// By absolute URL: the processes below run in folders of their own, where `--import tsx` would not resolve.
const tsx = pathToFileURL(path.join(repoRoot, "node_modules/tsx/dist/loader.mjs")).href;

/** Only what a shell would give any command: nothing of this test run's own settings leaks in. */
export function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "TMPDIR", "LANG"]) if (process.env[key]) env[key] = process.env[key];
  return { ...env, ...extra };
}

/** A server entry point or command-line tool, from source, in a process of its own started in `cwd`. */
export function spawnEntry(entry: string, args: string[], options: { cwd: string; env: Record<string, string>; detached?: boolean }): ChildProcess {
  return spawn(process.execPath, ["--import", tsx, path.join(repoRoot, entry), ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached,
  });
}

/** Runs a command-line tool to its end. */
export function runEntry(entry: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<Run> {
  const child = spawnEntry(entry, args, options);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

export interface StartedServer {
  child: ChildProcess;
  /** The `server.listening` log line. */
  listening: Promise<{ url: string; database: string; processes?: number }>;
  exited: Promise<number | null>;
  output(): string;
  /** SIGTERM, as a platform stops it, then its exit code. */
  stop(): Promise<number | null>;
}

/** `server/src/main.ts` as `npm start` runs it, started in `cwd`. */
export function startServerIn(cwd: string, env: Record<string, string>): StartedServer {
  const child = spawnEntry("server/src/main.ts", [], { cwd, env });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const listening = new Promise<{ url: string; database: string; processes?: number }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      output += line + "\n";
      if (line.includes('"server.listening"')) {
        const event = JSON.parse(line) as { url: string; database: string; processes?: number };
        resolve({ ...event, url: event.url.replace("localhost", "127.0.0.1") });
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
  return {
    child,
    listening,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
