// Starts the built server the way users run it (embedded PostgreSQL unless DATABASE_URL is set).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

export const ADMIN_TOKEN = "bench-admin-token-0123456789";

export async function startServer(root, env = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "dropline-bench-"));
  const child = spawn(process.execPath, [path.join(root, "server/dist/main.js")], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      ADMIN_TOKEN,
      SESSION_SECRET: "bench-session-secret-0123456789",
      RATE_LIMITS: "off",
      SEED_DEMO: "false",
      SERVE_CLIENT: "false",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.includes('"server.listening"')) resolve(JSON.parse(line).url.replace("localhost", "127.0.0.1"));
    });
    exited.then((code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
