import { mkdir, readFile, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Config } from "../config.js";
import { logger } from "../log.js";

export interface Secrets {
  adminToken: string;
  sessionSecret: string;
}

/**
 * In development a missing ADMIN_TOKEN or SESSION_SECRET is generated once and
 * kept in DATA_DIR, so sessions survive restarts and the admin token is stable.
 * Production refuses to start without them (config.ts).
 */
export async function resolveSecrets(config: Config): Promise<Secrets> {
  if (config.adminToken && config.sessionSecret) return { adminToken: config.adminToken, sessionSecret: config.sessionSecret };
  const file = path.join(config.dataDir, "secrets.json");
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(await readFile(file, "utf8")) as Partial<Secrets>;
  } catch {
    // First start: nothing stored yet.
  }
  const secrets: Secrets = {
    adminToken: config.adminToken ?? stored.adminToken ?? randomBytes(24).toString("base64url"),
    sessionSecret: config.sessionSecret ?? stored.sessionSecret ?? randomBytes(32).toString("base64url"),
  };
  if (secrets.adminToken !== stored.adminToken || secrets.sessionSecret !== stored.sessionSecret) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
    if (!config.adminToken) {
      // Printed once, when generated; afterwards it is read from the file.
      process.stdout.write(`\n  Admin token (generated, kept in ${file}):\n    ${secrets.adminToken}\n\n`);
    }
  } else if (!config.adminToken) {
    logger.info({ event: "admin_token.stored", file });
  }
  return secrets;
}
