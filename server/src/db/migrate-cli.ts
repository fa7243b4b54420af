// `npm run db:migrate`: applies committed migrations to DATABASE_URL (or DIRECT_URL).
import "../env-file.js"; // first: .env before anything reads the environment
import { runMigrations } from "./migrate.js";
import { errorMessage } from "../errors.js";

const url = process.env.DIRECT_URL || process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("Set DATABASE_URL (and DIRECT_URL for a pooled URL) to migrate. `npm start` migrates the embedded database itself.\n");
  process.exit(2);
}
runMigrations(url).then(
  () => process.stdout.write("Migrations applied.\n"),
  (error: unknown) => {
    process.stderr.write(`${errorMessage(error)}\n`);
    process.exit(1);
  },
);
