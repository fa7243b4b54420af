import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../db/migrate.js";
import { ADMIN_TOKEN, ok, startTestServer, type TestServer } from "../../../test/server.js";
import type { Preorder } from "./format.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const entry = path.join(repoRoot, "server/src/preorders/cli/preorder-cli.ts");

describe("the pre-order command line, against a running server", () => {
  let server: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    server = await startTestServer();
    dataDir = await mkdtemp(path.join(tmpdir(), "preorder-cli-"));
    // As a local `npm start` leaves it: admin commands find the token here when none is given.
    await writeFile(path.join(dataDir, "secrets.json"), JSON.stringify({ adminToken: ADMIN_TOKEN, sessionSecret: "unused-here" }));
  });
  afterAll(async () => {
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The real command line in a process of its own, as `npm run preorder` runs it (from source, without the build). */
  function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const { ADMIN_TOKEN: _inherited, ...inherited } = process.env;
    const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
      cwd: repoRoot,
      env: { ...inherited, DROPLINE_URL: server.url, DATA_DIR: dataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  const idIn = (run: Run) => /^Pre-order (\S+)$/m.exec(run.stdout)?.[1] ?? expect.unreachable(`no pre-order id in ${JSON.stringify(run)}`);

  const preorderDrop = (releaseInSeconds: number) =>
    server.api.createDrop({ name: "Console pre-order", price: "50.00", totalStock: 5, maxPerUser: 5, kind: "preorder", releaseAt: new Date(Date.now() + releaseInSeconds * 1000).toISOString() });

  const getPreorder = async (id: string) => ok(await server.api.call<{ preorder: Preorder }>("GET", `/api/preorders/${id}`, { token: ADMIN_TOKEN })).preorder;

  async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it("places an order as a new shopper, and the admin takes it through pickup to delivery", async () => {
    const drop = await preorderDrop(4);
    const username = `ana_${Math.random().toString(36).slice(2, 8)}`;

    const placed = await cli(["place", drop.id, "--username", username, "--email", "ana@example.com", "--quantity", "2", "--method", "sim_ok"]);
    expect(placed.code, placed.stderr).toBe(0);
    expect(placed.stdout).toContain("Pre-order placed and paid.");
    expect(placed.stdout).toMatch(/Paid:\s+100\.00/);
    const id = idIn(placed);
    // The new shopper's token is printed and kept, so the next commands need no --token.
    const saved = JSON.parse(await readFile(path.join(dataDir, "preorder-cli.json"), "utf8")) as { url: string; username: string; token: string };
    expect(saved).toMatchObject({ url: server.url, username });
    expect(placed.stdout).toContain(saved.token);

    const status = await cli(["status", id]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Status:\s+(paid, units set aside \[reserved\]|released, waiting for fulfilment to start \[awaiting_fulfillment\])/);
    expect(status.stdout).toMatch(/Release:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((in \d+ s|now|\d+ s ago)\)/);

    await until("the release", () => getPreorder(id), (preorder) => preorder.status === "awaiting_fulfillment");

    // Delivered before it was picked up: the server refuses, and says why.
    const early = await cli(["confirm-delivery", id]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^INVALID_TRANSITION \(409\): /);
    expect(early.stderr).toContain("the order is awaiting_fulfillment");

    const started = await cli(["start-fulfillment", id]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain("[fulfilling]");
    const picked = await cli(["item-picked", id]);
    expect(picked.code, picked.stderr).toBe(0);
    expect(picked.stdout).toContain("[picked_up]");
    const delivered = await cli(["confirm-delivery", id, "--json"]);
    expect(delivered.code, delivered.stderr).toBe(0);
    expect((JSON.parse(delivered.stdout) as { preorder: Preorder }).preorder).toMatchObject({ id, status: "delivered", quantity: 2 });

    const listed = await cli(["list", "--drop", drop.id, "--status", "delivered"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(id);
  });

  it("cancels a shopper's order and prints what was undone, step by step", async () => {
    const drop = await preorderDrop(3600);
    const shopper = await server.api.shopper("ben");

    const placed = await cli(["place", drop.id, "--token", shopper.token]);
    expect(placed.code, placed.stderr).toBe(0);
    const id = idIn(placed);

    const cancelled = await cli(["cancel", id, "--token", shopper.token]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/Status:\s+cancelled\n/);

    // The compensation runs as a job after the answer: wait for both steps, then read them as words.
    await until("the compensation", () => getPreorder(id), (preorder) => (preorder.compensations ?? []).filter((step) => step.status === "done").length === 2);
    const log = await cli(["compensation-log", id, "--token", shopper.token]);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/attempt 1\s+units released back to stock/);
    expect(log.stdout).toMatch(/attempt 1\s+payment refunded/);
    expect(log.stdout.indexOf("units released")).toBeLessThan(log.stdout.indexOf("payment refunded"));

    const status = await cli(["status", id, "--admin"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("Undone:");
    expect(status.stdout).toContain("- payment refunded");
  });

  it("answers a mistake with its usage (2), a refusal with the server's code (1), and no server with 2", async () => {
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(unknown.stderr).toContain("Usage: npm run -s preorder --");

    const noId = await cli(["status"]);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain("status needs a pre-order id");

    const drop = await preorderDrop(3600);
    const declined = await cli(["place", drop.id, "--token", (await server.api.shopper("cy")).token, "--method", "sim_declined"]);
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(/^PAYMENT_DECLINED \(402\): /);

    const noServer = await cli(["status", "some-id", "--url", `http://127.0.0.1:${await closedPort()}`]);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain("cannot reach the server");

    const help = await cli(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("compensation-log <preorderId>");
  });
});

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
