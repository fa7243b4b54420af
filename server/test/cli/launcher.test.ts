import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../src/db/migrate.js";
import { bareEnv, type Run } from "./spawn.js";

/**
 * scripts/cli.mjs in a small project of the same shape (a root package.json with the server
 * workspace, server/src compiled by the real tsc into server/dist), so that editing a source here
 * touches nobody's work tree. What is under test is when it builds, not how fast it starts.
 */
describe("the command-line scripts of package.json", () => {
  it("run their tool through scripts/cli.mjs instead of building the server on every call; npm start still builds", async () => {
    const { scripts } = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const name of ["check", "timeline", "failures", "preorder", "db:migrate"]) {
      const tool = /^node scripts\/cli\.mjs (\S+\.js)$/.exec(scripts[name] ?? "")?.[1];
      expect(tool, `npm run ${name}: ${scripts[name]}`).toBeDefined();
      await expect(stat(path.join(repoRoot, "server/src", tool!.replace(/\.js$/, ".ts")))).resolves.toBeTruthy();
    }
    expect(scripts.start).toMatch(/^npm run build && /);
  });
});

describe("scripts/cli.mjs, the launcher of the command-line tools", () => {
  let project: string;
  const tool = (version: string) => `declare const process: { argv: string[] };\nconsole.log(["tool", ...process.argv.slice(2), "${version}"].join(" "));\n`;

  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), "dropline-launcher-"));
    await mkdir(path.join(project, "scripts"));
    await mkdir(path.join(project, "server/src/tools"), { recursive: true });
    await copyFile(path.join(repoRoot, "scripts/cli.mjs"), path.join(project, "scripts/cli.mjs"));
    const json = (file: string, value: unknown) => writeFile(path.join(project, file), JSON.stringify(value, null, 2) + "\n");
    await json("package.json", { name: "launcher-fixture", private: true, type: "module", workspaces: ["server"] });
    const tsc = path.join(repoRoot, "node_modules/typescript/bin/tsc");
    await json("server/package.json", { name: "@launcher-fixture/server", private: true, type: "module", scripts: { build: `node ${JSON.stringify(tsc)} -p tsconfig.build.json` } });
    await json("server/tsconfig.json", { compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022", "DOM"], types: [], strict: true, noEmit: true }, include: ["src"] });
    await json("server/tsconfig.build.json", { extends: "./tsconfig.json", compilerOptions: { noEmit: false, rootDir: "src", outDir: "dist" }, include: ["src"], exclude: ["src/**/*.test.ts"] });
    await writeFile(path.join(project, "server/src/tools/hello-cli.ts"), tool("v1"));
    await writeFile(path.join(project, "server/src/shared.ts"), "export const shared = 1;\n");
  });
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  function launch(...args: string[]): Promise<Run> {
    const child = spawn(process.execPath, [path.join(project, "scripts/cli.mjs"), "tools/hello-cli.js", ...args], { cwd: project, env: bareEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  const built = () => stat(path.join(project, "server/dist/tools/hello-cli.js")).then((s) => s.mtimeMs);
  /** A file edited now, after the last build. */
  const touch = async (file: string) => {
    const now = new Date();
    await utimes(path.join(project, file), now, now);
  };

  it("builds when there is no build, then runs the tool with its arguments", async () => {
    const run = await launch("a", "--b");
    expect(run.stderr).toContain("Building the server first (there is no build yet");
    expect(run.stdout).toBe("tool a --b v1\n");
    expect(run.code).toBe(0);
  });

  it("does not build again when nothing changed", async () => {
    const before = await built();
    const run = await launch("again");
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("tool again v1\n");
    expect(await built()).toBe(before);
  });

  it("builds again when a source changed, and runs the new build", async () => {
    await writeFile(path.join(project, "server/src/tools/hello-cli.ts"), tool("v2"));
    await touch("server/src/tools/hello-cli.ts");
    const run = await launch();
    expect(run.stderr).toContain("Building the server first (server/src/tools/hello-cli.ts changed");
    expect(run.stdout).toBe("tool v2\n");
    expect((await launch()).stderr).toBe("");
  });

  it("builds again when a tsconfig changed, but not for a test file", async () => {
    await touch("server/tsconfig.build.json");
    expect((await launch()).stderr).toContain("(server/tsconfig.build.json changed");

    await writeFile(path.join(project, "server/src/tools/hello.test.ts"), "export {};\n");
    await touch("server/src/tools/hello.test.ts");
    const run = await launch();
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("tool v2\n");
  });

  it("a failed build stops the command, and every next one until the build passes", async () => {
    await writeFile(path.join(project, "server/src/shared.ts"), "export const shared: number = 'not a number';\n");
    await touch("server/src/shared.ts");
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await launch();
      expect(run.stderr).toContain("The server's build failed");
      expect(run.stdout).not.toContain("tool");
      expect(run.code).toBe(2);
    }
    await writeFile(path.join(project, "server/src/shared.ts"), "export const shared = 2;\n");
    await touch("server/src/shared.ts");
    const fixed = await launch();
    expect(fixed.stdout).toBe("tool v2\n");
    expect(fixed.code).toBe(0);
  });
});
