// `npm run failures -- [--since 5m] [--json]`: what failed lately, grouped by type and reason.
import "../env-file.js"; // first: .env before anything reads the environment
import { parseArgs } from "node:util";
import { openCliPool, runCli } from "../db/cli-database.js";
import { setLogLevel } from "../log.js";
import { failuresAsText, parseDuration } from "./timeline-format.js";
import { getFailures } from "./timeline.service.js";

runCli(async () => {
  setLogLevel("warn");
  const { values } = parseArgs({ options: { since: { type: "string", default: "5m" }, json: { type: "boolean", default: false } } });
  const sinceSeconds = parseDuration(values.since);
  const { pool, close } = await openCliPool();
  try {
    const report = await getFailures(pool, sinceSeconds);
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + "\n" : failuresAsText(report));
  } finally {
    await close();
  }
});
