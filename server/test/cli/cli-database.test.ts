import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runningPostmaster } from "../../src/db/postmaster.js";
import { ADMIN_TOKEN, SESSION_SECRET } from "../env.js";
import { bareEnv, runEntry, startServerIn } from "./spawn.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function emptyFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "dropline-cli-db-"));
  dirs.push(dir);
  return dir;
}

const check = (cwd: string, env: Record<string, string>) => runEntry("server/src/audit/check-cli.ts", [], { cwd, env: bareEnv(env) });

describe("which database a command-line tool reads", () => {
  it("refuses a DATA_DIR that holds no database (exit 2, naming it) instead of checking a new empty one, and creates nothing there", async () => {
    const dataDir = path.join(await emptyFolder(), "not-the-servers-data");
    const run = await check(tmpdir(), { DATA_DIR: dataDir });
    expect(run.stdout).not.toContain("Checked");
    expect(run.stderr).toContain(`DATA_DIR (${dataDir}) holds no embedded database`);
    expect(run.code).toBe(2);
    expect(existsSync(dataDir)).toBe(false);

    const failures = await runEntry("server/src/timeline/failures-cli.ts", [], { cwd: tmpdir(), env: bareEnv({ DATA_DIR: dataDir }) });
    expect(failures.stderr).toContain(`DATA_DIR (${dataDir}) holds no embedded database`);
    expect(failures.code).toBe(2);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("without DATA_DIR, looks in ./.data of the folder it runs in, and says so", async () => {
    const cwd = await emptyFolder();
    const run = await check(cwd, {});
    expect(run.stderr).toContain(`DATA_DIR (${path.join(cwd, ".data")}) holds no embedded database`);
    expect(run.code).toBe(2);
    expect(existsSync(path.join(cwd, ".data"))).toBe(false);
  });

  it("names a DATABASE_URL that does not answer, without its password", async () => {
    const run = await check(tmpdir(), { DATABASE_URL: "postgresql://dropline:s3cret-password@127.0.0.1:1/dropline" });
    expect(run.stderr).toContain("DATABASE_URL (postgresql://dropline:***@127.0.0.1:1/dropline) does not answer");
    expect(run.stderr).not.toContain("s3cret-password");
    expect(run.code).toBe(2);
  });

  it("reads the database of a running npm start through its DATA_DIR, and starts that database for its own run once the server is stopped", async () => {
    // The folder itself, as mkdtemp made it: as root, PostgreSQL's own user must be able to enter it (the server opens it up).
    const dataDir = await emptyFolder();
    const clusterDir = path.join(dataDir, "postgres");
    const server = startServerIn(tmpdir(), bareEnv({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", SERVE_CLIENT: "false", SEED_DEMO: "false", ADMIN_TOKEN, SESSION_SECRET }));
    let stopped = false;
    try {
      const { url, database } = await server.listening;
      expect(database).toBe("embedded");
      const created = await fetch(`${url}/api/drops`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Counted through DATA_DIR", price: 10, totalStock: 3 }),
      });
      expect(created.status).toBe(201);
      const serversPostgres = runningPostmaster(clusterDir);
      expect(serversPostgres).toBeDefined();

      const whileRunning = await check(tmpdir(), { DATA_DIR: dataDir });
      expect(whileRunning.stdout).toContain("Checked 1 drops: every counter matches its rows");
      expect(whileRunning.stderr).toBe("");
      expect(whileRunning.code).toBe(0);
      // It used the server's database, and left it running.
      expect(runningPostmaster(clusterDir)).toBe(serversPostgres);
      expect((await fetch(`${url}/api/ready`)).status).toBe(200);

      expect(await server.stop()).toBe(0);
      stopped = true;
      expect(runningPostmaster(clusterDir)).toBeUndefined();

      const afterwards = await check(tmpdir(), { DATA_DIR: dataDir });
      expect(afterwards.stderr).toContain(`No server is running on ${dataDir}: starting its embedded database for this command`);
      expect(afterwards.stdout).toContain("Checked 1 drops: every counter matches its rows");
      expect(afterwards.code).toBe(0);
      // Stopped again when done.
      expect(runningPostmaster(clusterDir)).toBeUndefined();
    } finally {
      if (!stopped) await server.stop();
    }
  });
});
