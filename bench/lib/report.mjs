// Machine facts and the printed summary (Markdown, so it can be pasted into docs/PERFORMANCE.md).
import os from "node:os";

export function machineFacts(dbFacts) {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    postgres: dbFacts.version,
    postgresSettings: {
      fsync: dbFacts.fsync,
      synchronous_commit: dbFacts.synchronous_commit,
      shared_buffers: dbFacts.shared_buffers,
      max_connections: dbFacts.max_connections,
      wal_sync_method: dbFacts.wal_sync_method,
    },
  };
}

const fmt = (x) => (x === null || x === undefined || Number.isNaN(x) ? "-" : String(x));
const codesText = (codes) => Object.entries(codes).map(([code, n]) => `${code}: ${n}`).join(", ");
/** A timed section during which processes outside the benchmark used this much of a core is flagged: its figure is not clean. */
export const DISTURBED_OTHER_PCT = 15;
export const disturbed = (row) => (row.cpu?.other ?? 0) >= DISTURBED_OTHER_PCT;
const mark = (row) => (disturbed(row) ? " ⚠" : "");
const cpuText = (c) => `${[c.server, c.postgres ?? "?", c.harness, ...(c.clients !== undefined ? [c.clients] : [])].join(" / ")} (other ${c.other ?? "?"}, steal ${c.steal})`;

export function markdownTable(headers, rows) {
  const lines = [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.map(fmt).join(" | ")} |`);
  return lines.join("\n");
}

export function summary(report) {
  const out = [];
  out.push(
    markdownTable(
      ["scenario", "setup", "requests", "holds granted", "holds/s", "answers/s", "p50 ms", "p99 ms", "max ms", "wall s", "answers", "CPU % of a core: server / pg / harness (/ clients)"],
      report.rows.map((r) => [r.scenario + mark(r), r.setup, r.requests, r.granted, r.perSecond, r.answersPerSecond, r.p50ms, r.p99ms, r.maxms, r.wallSeconds, codesText(r.codes), cpuText(r.cpu)]),
    ),
  );
  if (report.rows.some(disturbed)) {
    out.push("", `⚠ other processes on the machine used >= ${DISTURBED_OTHER_PCT}% of a core during this section ("other" in the CPU column): rerun for a clean figure.`);
  }
  if (report.ratios.length > 0) {
    out.push("", markdownTable(["concurrency", "hot-drop holds/s", "reference holds/s", "hot-drop / reference"], report.ratios.map((r) => [r.connections, r.hotDrop, r.reference, r.ratio + (r.disturbed ? " ⚠" : "")])));
  }
  const fan = report.details.fanout;
  if (fan) {
    out.push(
      "",
      markdownTable(
        ["fanout", "value"],
        [
          ["sockets connected (processes)", `${fan.clients} (${fan.clientProcesses}), in ${fan.connectSeconds} s`],
          ["commit -> arrival, from the HTTP answer (lower bound) p50 / p99 / max ms", `${fan.delayFromAnswerMs.p50} / ${fan.delayFromAnswerMs.p99} / ${fan.delayFromAnswerMs.max}`],
          ["commit -> arrival, from the decision time (upper bound) p50 / p99 / max ms", `${fan.delayFromDecisionMs.p50} / ${fan.delayFromDecisionMs.p99} / ${fan.delayFromDecisionMs.max}`],
          ["stockUpdated per client per second (mean / max)", `${fan.messagesPerClientPerSecond.mean} / ${fan.messagesPerClientPerSecond.max}`],
          ["clients with the final version", `${fan.clientsWithFinalVersion} / ${fan.clients} (${fan.lastStateMsAfterBurst} ms after the last answer)`],
          ["server RSS MB: before sockets / idle sockets / peak / end", `${fan.serverRssMb.beforeSockets} / ${fan.serverRssMb.withIdleSockets} / ${fan.serverRssMb.peak} / ${fan.serverRssMb.end}`],
          ["disconnects during the run", JSON.stringify(fan.disconnectsDuringRun)],
        ],
      ),
    );
  }
  if (report.targets.length > 0) {
    out.push("", markdownTable(["target", "measured", "met"], report.targets.map((t) => [t.target, t.value, t.met === null ? "unclear (within the bounds)" : t.met ? "yes" : "**no**"])));
  }
  return out.join("\n");
}
