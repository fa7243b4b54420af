import type { Config } from "../config.js";
import { logger } from "../log.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded.js";
import { runMigrations } from "./migrate.js";

export interface PreparedDatabase {
  url: string;
  /** Set when this process started the embedded database: it stops it last. */
  embedded?: EmbeddedDatabase;
}

/**
 * DATABASE_URL, or an embedded PostgreSQL under DATA_DIR when it is unset,
 * migrated (unless `migrate` is false). Done once per machine: by the server,
 * or by the primary of WEB_CONCURRENCY processes. A failed migration stops
 * the embedded database it started.
 */
export async function prepareDatabase(config: Config, options: { migrate?: boolean } = {}): Promise<PreparedDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir });
    url = embedded.url;
    logger.info({ event: "db.embedded_started", dataDir: config.dataDir });
  }
  try {
    if (options.migrate !== false) await runMigrations(config.directUrl ?? url);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return { url, embedded };
}
