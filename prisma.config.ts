// Prisma's Rust schema engine is a download; the JavaScript engine with the pg
// adapter runs offline, so migrations work on a fresh machine and in CI.
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

/**
 * @prisma/adapter-pg runs a migration by splitting it on every ";", which cuts
 * PL/pgSQL function bodies apart. Sending the script whole lets PostgreSQL
 * parse it and run it as one implicit transaction: all of it, or none.
 */
class PrismaPgWholeScripts extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    adapter.executeScript = async (script: string) => {
      try {
        await adapter.underlyingDriver().query(script);
      } catch (error) {
        (adapter as unknown as { onError(error: unknown): never }).onError(error);
      }
    };
    return adapter;
  }
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    const connectionString = process.env.DIRECT_URL || process.env.DATABASE_URL;
    if (!connectionString) throw new Error("DATABASE_URL (or DIRECT_URL) must be set to run migrations");
    return new PrismaPgWholeScripts({ connectionString });
  },
});
