// Where the pre-order command line finds its tokens: flags, the environment, and files under DATA_DIR.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { UsageError } from "./http.js";

/** The shopper whose token later commands use when none is given; one per server URL is enough. */
export interface SavedShopper {
  url: string;
  username: string;
  token: string;
}

/** DATA_DIR as the server resolves it (config.ts): ./.data under the directory the command runs in, unless set. */
export const dataDir = (env: NodeJS.ProcessEnv) => path.resolve(env.DATA_DIR || "./.data");

export const shopperFile = (env: NodeJS.ProcessEnv) => path.join(dataDir(env), "preorder-cli.json");

/**
 * The admin token: --admin-token, else ADMIN_TOKEN, else the one a local
 * `npm start` generated and keeps in DATA_DIR/secrets.json (auth/secrets.ts).
 */
export async function adminToken(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const token = flag || env.ADMIN_TOKEN || (await storedAdminToken(env));
  if (!token) {
    throw new UsageError(
      `this command needs the admin token: pass --admin-token or set ADMIN_TOKEN (a local npm start keeps it in ${path.join(dataDir(env), "secrets.json")}, which does not exist here)`,
    );
  }
  return token;
}

/** The admin token if one can be found, for commands that an admin may also run. */
export async function adminTokenIfKnown(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return flag || env.ADMIN_TOKEN || (await storedAdminToken(env));
}

async function storedAdminToken(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const stored = await readJson(path.join(dataDir(env), "secrets.json"));
  const token = (stored as { adminToken?: unknown } | undefined)?.adminToken;
  return typeof token === "string" && token ? token : undefined;
}

/** The shopper last saved for this server, if any: a token of another server would only be refused. */
export async function savedShopper(env: NodeJS.ProcessEnv, url: string): Promise<SavedShopper | undefined> {
  const stored = (await readJson(shopperFile(env))) as Partial<SavedShopper> | undefined;
  if (!stored || stored.url !== url || typeof stored.token !== "string" || typeof stored.username !== "string") return undefined;
  return { url, username: stored.username, token: stored.token };
}

export async function saveShopper(env: NodeJS.ProcessEnv, shopper: SavedShopper): Promise<string> {
  const file = shopperFile(env);
  await mkdir(path.dirname(file), { recursive: true });
  // A session token is a password for that shopper: readable by its owner only, like secrets.json.
  await writeFile(file, JSON.stringify(shopper, null, 2) + "\n", { mode: 0o600 });
  return file;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    // Absent or unreadable: as if nothing were stored.
    return undefined;
  }
}
