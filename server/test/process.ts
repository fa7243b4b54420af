import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "../src/db/migrate.js";

export interface ServerProcess {
  child: ChildProcess;
  /** The listening URL, once the server logs `server.listening`. */
  url: Promise<string>;
  exited: Promise<number | null>;
  /** The admin token printed on a first start (empty when none was printed). */
  adminToken(): string;
}

/** The real entry point (`server/src/main.ts`) in a process of its own, as `npm start` runs it. */
export function spawnServer(env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): ServerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "server/src/main.ts")], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached, // its own process group, like a shell job
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  let adminToken = "";
  const url = new Promise<string>((resolve, reject) => {
    let tokenNext = false;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (tokenNext && line.trim()) {
        adminToken = line.trim();
        tokenNext = false;
      }
      if (line.includes("Admin token (generated")) tokenNext = true;
      if (line.includes('"server.listening"')) resolve(JSON.parse(line).url.replace("localhost", "127.0.0.1"));
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stderr}`)));
  });
  return { child, url, exited, adminToken: () => adminToken };
}
