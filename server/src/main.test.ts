import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnServer } from "../test/process.js";

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the server as `npm start` runs it, on its embedded database", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  // Ctrl-C in a terminal sends SIGINT to the whole process group (postgres too); a platform sends SIGTERM to the server.
  it.each([
    ["SIGINT", "to the process group, as Ctrl-C does"],
    ["SIGTERM", "to the server process, as Render does"],
  ] as const)("shuts down cleanly on %s %s and leaves no postgres process behind", async (signal, _how) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "dropline-main-"));
    dirs.push(dataDir);
    const server = spawnServer(
      { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", SERVE_CLIENT: "false", NODE_ENV: "development" },
      { detached: true },
    );
    const { child, exited } = server;
    // The first start prints the generated admin token once, then logs where it listens.
    const url = await server.url;
    const adminToken = server.adminToken();

    const drops = (await (await fetch(`${url}/api/drops`)).json()) as { drops: unknown[] };
    expect(drops.drops.length).toBe(4); // the demo drops of an empty database
    const created = await fetch(`${url}/api/drops`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Curl drop", price: 25, totalStock: 5 }),
    });
    expect(created.status).toBe(201);
    const secrets = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8"));
    expect(secrets.adminToken).toBe(adminToken);

    const postgresPid = Number((await readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
    expect(isAlive(postgresPid)).toBe(true);

    if (signal === "SIGINT") process.kill(-child.pid!, signal);
    else child.kill(signal);
    expect(await exited).toBe(0);
    expect(isAlive(postgresPid)).toBe(false);
  });
});

describe("after the server was killed with SIGKILL", () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("the next start takes over the orphaned database and serves what was committed", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "dropline-orphan-"));
    const env = { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", SERVE_CLIENT: "false", SEED_DEMO: "true" };
    const start = () => spawnServer(env);

    const first = start();
    const firstUrl = await first.url;
    const before = ((await (await fetch(`${firstUrl}/api/drops`)).json()) as { drops: { id: string }[] }).drops.map((d) => d.id);
    const orphan = Number((await readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(isAlive(orphan)).toBe(true);

    const second = start();
    const secondUrl = await second.url;
    const after = ((await (await fetch(`${secondUrl}/api/drops`)).json()) as { drops: { id: string }[] }).drops.map((d) => d.id);
    expect(after).toEqual(before);
    expect(isAlive(orphan)).toBe(false);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});

describe("a clean Ctrl-C", () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("logs no warning or error and ends with a server.stopped line", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "dropline-stop-"));
    const server = spawnServer(
      { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", SERVE_CLIENT: "false", LOG_LEVEL: "info" },
      { detached: true },
    );
    let output = "";
    server.child.stdout!.on("data", (chunk) => (output += chunk));
    server.child.stderr!.on("data", (chunk) => (output += chunk));
    const url = await server.url;
    // Several requests at once leave several idle connections in the pool, each of which
    // the embedded PostgreSQL ends when Ctrl-C reaches it too.
    await Promise.all(Array.from({ length: 12 }, () => fetch(`${url}/api/drops`).then((r) => r.arrayBuffer())));

    process.kill(-server.child.pid!, "SIGINT");
    expect(await server.exited).toBe(0);
    const events = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: string; event: string });
    expect(events.filter((e) => e.level === "warn" || e.level === "error")).toEqual([]);
    expect(output).not.toMatch(/\bat .+:\d+:\d+\)?$/m); // no stack trace
    expect(events.at(-1)).toMatchObject({ level: "info", event: "server.stopped" });
  });
});
