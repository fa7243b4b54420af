import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { repoRoot } from "../db/migrate.js";

const MIGRATION = "20261206100000_contact_confirmation";

/**
 * A database as it was before this migration, with shoppers who gave
 * addresses; then the migration, as `prisma migrate deploy` would run it on
 * an upgrade.
 */
describe(`upgrading a database with ${MIGRATION}`, () => {
  const name = `m_${randomBytes(6).toString("hex")}`;
  let client: pg.Client;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(inject("pgAdminUrl"));
    url.pathname = `/${name}`;
    client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  const migrationSql = (folder: string) => readFile(path.join(repoRoot, "prisma", "migrations", folder, "migration.sql"), "utf8");

  it("turns every address it finds into a pending one: nothing goes to it until its owner enters a code", async () => {
    const folders = (await readdir(path.join(repoRoot, "prisma", "migrations"), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toContain(MIGRATION);
    for (const folder of folders.filter((f) => f < MIGRATION)) await client.query(await migrationSql(folder));

    await client.query(
      `INSERT INTO users (id, username, username_key, email, phone) VALUES
         (gen_random_uuid(), 'both', 'both', 'both@example.com', '+4915112345678'),
         (gen_random_uuid(), 'mail', 'mail', 'mail@example.com', NULL),
         (gen_random_uuid(), 'none', 'none', NULL, NULL)`,
    );
    await client.query(await migrationSql(MIGRATION));

    const { rows } = await client.query(`SELECT username, email, phone, pending_email, pending_phone FROM users ORDER BY username`);
    expect(rows).toEqual([
      { username: "both", email: null, phone: null, pending_email: "both@example.com", pending_phone: "+4915112345678" },
      { username: "mail", email: null, phone: null, pending_email: "mail@example.com", pending_phone: null },
      { username: "none", email: null, phone: null, pending_email: null, pending_phone: null },
    ]);
    // A shopper never has a confirmed and a pending address on one channel at once.
    await expect(client.query(`UPDATE users SET email = 'x@example.com' WHERE username = 'both'`)).rejects.toThrow(/users_one_email_check/);
  });
});
