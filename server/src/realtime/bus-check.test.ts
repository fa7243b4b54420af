import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { checkListenWorks } from "./bus-check.js";

const pgbouncer = spawnSync("sh", ["-c", "command -v pgbouncer || ls /usr/sbin/pgbouncer"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
// PgBouncer comes from Debian (.ci/run installs it); outside CI a machine without it skips this file, saying why.
const available = Boolean(pgbouncer) || process.env.CI === "true";
if (!available) console.warn("pgbouncer is not installed (apt-get install pgbouncer): skipping the transaction-pooler check");

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

describe.runIf(available)("the start-up LISTEN check", () => {
  let bouncer: ChildProcess | undefined;
  let dir: string;
  let pooledUrl: string;
  const adminUrl = new URL(inject("pgAdminUrl"));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "dropline-pgbouncer-"));
    chmodSync(dir, 0o777);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    writeFileSync(
      path.join(dir, "pgbouncer.ini"),
      [
        "[databases]",
        `* = host=${adminUrl.hostname} port=${adminUrl.port} user=${decodeURIComponent(adminUrl.username)} password=${decodeURIComponent(adminUrl.password)}`,
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        `listen_port = ${port}`,
        "auth_type = any",
        "pool_mode = transaction",
        "unix_socket_dir =",
        "",
      ].join("\n"),
    );
    // PgBouncer refuses to run as root; the postgres user that runs the test database is there then.
    const asRoot = userInfo().uid === 0;
    const ids = asRoot ? spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim() : "";
    const gid = asRoot ? spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim() : "";
    bouncer = spawn(pgbouncer!, [path.join(dir, "pgbouncer.ini")], { stdio: "ignore", ...(asRoot ? { uid: Number(ids), gid: Number(gid) } : {}) });
    // Ready once it accepts connections (it binds within milliseconds of starting).
    for (let attempt = 0; attempt < 100 && !(await accepts(port)); attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    pooledUrl = `postgresql://${adminUrl.username}:${adminUrl.password}@127.0.0.1:${port}/postgres`;
  });
  afterAll(() => {
    bouncer?.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes on a direct connection", async () => {
    expect(await checkListenWorks(adminUrl.toString(), 3_000)).toBe(true);
  });

  it("fails, and says so, behind a pooler in transaction mode, where LISTEN is accepted but nothing arrives", async () => {
    expect(await checkListenWorks(pooledUrl, 1_500)).toBe(false);
  });
});
