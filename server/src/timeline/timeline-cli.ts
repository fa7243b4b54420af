// `npm run timeline -- <reservationId> [--format mermaid]`: one hold's life, in order.
import "../env-file.js"; // first: .env before anything reads the environment
import { parseArgs } from "node:util";
import { openCliPool, runCli } from "../db/cli-database.js";
import { setLogLevel } from "../log.js";
import { timelineAsMermaid, timelineAsText } from "./timeline-format.js";
import { getTimeline } from "./timeline.service.js";

runCli(async () => {
  setLogLevel("warn");
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { format: { type: "string", default: "text" } } });
  const [reservationId] = positionals;
  if (!reservationId || positionals.length > 1) throw new Error("usage: npm run timeline -- <reservationId> [--format text|mermaid|json]");
  if (!["text", "mermaid", "json"].includes(values.format)) throw new Error(`--format must be text, mermaid or json, not "${values.format}"`);
  const { pool, close } = await openCliPool();
  try {
    const events = await getTimeline(pool, reservationId);
    if (values.format === "mermaid") process.stdout.write(timelineAsMermaid(events));
    else if (values.format === "json") process.stdout.write(JSON.stringify({ events }, null, 2) + "\n");
    else process.stdout.write(timelineAsText(reservationId, events));
  } finally {
    await close();
  }
});
