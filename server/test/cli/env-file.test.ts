import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../database.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../server.js";
import { bareEnv, runEntry, startServerIn } from "./spawn.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A folder holding `.env` with these lines, as a user's checkout would after `cp .env.example .env`. */
async function folderWithEnvFile(lines: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "dropline-env-file-"));
  dirs.push(dir);
  const text = Object.entries(lines).map(([key, value]) => `${key}=${value}`).join("\n");
  await writeFile(path.join(dir, ".env"), `# as copied from .env.example\n${text}\n`);
  return dir;
}

describe("the server reads .env from the folder it starts in", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("in every process under WEB_CONCURRENCY, and a variable set in the real environment wins over the file", async () => {
    const cwd = await folderWithEnvFile({
      DATABASE_URL: db.url,
      PORT: "0",
      HOST: "127.0.0.1",
      WEB_CONCURRENCY: "2",
      SERVE_CLIENT: "false",
      SEED_DEMO: "false",
      RATE_LIMITS: "off",
      HOLD_SECONDS: "77",
      ADMIN_TOKEN: "admin-token-from-the-env-file",
      SESSION_SECRET: "session-secret-from-the-env-file",
    });
    const envToken = "admin-token-from-the-environment";
    const server = startServerIn(cwd, bareEnv({ ADMIN_TOKEN: envToken }));
    try {
      const listening = await server.listening;
      // DATABASE_URL and WEB_CONCURRENCY came from the file (without it: the embedded database, one process).
      expect(listening).toMatchObject({ database: "DATABASE_URL", processes: 2 });

      const create = (token: string) =>
        fetch(`${listening.url}/api/drops`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ name: "Env file drop", price: 10, totalStock: 3 }),
        });
      const created = await create(envToken);
      expect(created.status).toBe(201);
      // The drop was made by a worker process: it read HOLD_SECONDS from the file too.
      expect(((await created.json()) as { holdSeconds: number }).holdSeconds).toBe(77);
      // ADMIN_TOKEN is in both: the environment's wins, the file's is refused.
      expect((await create("admin-token-from-the-env-file")).status).toBe(401);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe("every command-line tool reads .env from the folder it runs in", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.api.createDrop({ name: "Counted by check", price: "5.00", totalStock: 4 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("npm run check, failures and timeline read DATABASE_URL from it", async () => {
    const cwd = await folderWithEnvFile({ DATABASE_URL: server.db.url });
    const check = await runEntry("server/src/audit/check-cli.ts", [], { cwd, env: bareEnv() });
    expect(check.stdout + check.stderr).toContain("Checked 1 drops: every counter matches its rows");
    expect(check.code).toBe(0);

    const failures = await runEntry("server/src/timeline/failures-cli.ts", ["--json"], { cwd, env: bareEnv() });
    expect(failures.code, failures.stderr).toBe(0);
    expect(JSON.parse(failures.stdout)).toHaveProperty("groups");

    // The database it found answers that no such hold exists.
    const timeline = await runEntry("server/src/timeline/timeline-cli.ts", ["00000000-0000-4000-8000-000000000000"], { cwd, env: bareEnv() });
    expect(timeline.stderr).toBe("No reservation has that id.\n");
  });

  it("npm run db:migrate reads DATABASE_URL from it", async () => {
    const cwd = await folderWithEnvFile({ DATABASE_URL: server.db.url });
    const migrate = await runEntry("server/src/db/migrate-cli.ts", [], { cwd, env: bareEnv() });
    expect(migrate.stderr).toBe("");
    expect(migrate.stdout).toContain("Migrations applied.");
    expect(migrate.code).toBe(0);
  });

  it("npm run preorder reads the server and admin token from it, and the real environment wins", async () => {
    const cwd = await folderWithEnvFile({ DROPLINE_URL: server.url, ADMIN_TOKEN });
    const list = await runEntry("server/src/preorders/cli/preorder-cli.ts", ["list", "--json"], { cwd, env: bareEnv() });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveProperty("preorders");

    const asSomeoneElse = await runEntry("server/src/preorders/cli/preorder-cli.ts", ["list"], { cwd, env: bareEnv({ ADMIN_TOKEN: "not-the-admin-token-0123456789" }) });
    expect(asSomeoneElse.stderr).toMatch(/\(401\)/);
    expect(asSomeoneElse.code).toBe(1);
  });
});
