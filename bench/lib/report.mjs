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
const cpuText = (c) => `${[c.server, c.postgres ?? "?", c.harness, ...(c.clients !== undefined ? [c.clients] : [])].join(" / ")} (irq ${c.irq ?? "?"}, other ${c.other ?? "?"}, steal ${c.steal})`;

export function markdownTable(headers, rows) {
  const lines = [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.map(fmt).join(" | ")} |`);
  return lines.join("\n");
}

const pick = (report, scenario, processes, connections) =>
  report.rows.find((r) => r.scenario === scenario && (processes === undefined || r.processes === processes) && (connections === undefined || r.connections === connections));

/**
 * The side-by-side table: one line per figure, one column per server process count, the target and
 * whether each column meets it.
 */
export function comparison(report) {
  const counts = report.phases.map((p) => p.processes);
  const lines = [];
  const add = (figure, get, target, ok) => {
    const values = counts.map((p) => get(p));
    if (values.every((v) => v === undefined || v === null)) return;
    const met = ok ? counts.map((p, i) => (values[i] === undefined || values[i] === null ? "-" : ok(values[i], p) ? "yes" : "**no**")) : undefined;
    lines.push([figure, ...values.map((v) => (typeof v === "object" && v !== null ? v.text : v)), target ?? "", met ? met.join(" / ") : ""]);
  };
  const num = (v) => (v === null || v === undefined || Number.isNaN(v) ? undefined : v);
  const maxConnections = Math.max(...(report.settings.connections ?? [0]));
  for (const c of report.settings.connections ?? []) {
    add(`hot-drop holds/s, ${c} conns`, (p) => num(pick(report, "hot-drop", p, c)?.perSecond));
    add(`hot-drop p50 / p99 ms, ${c} conns`, (p) => {
      const r = pick(report, "hot-drop", p, c);
      return r && { text: `${r.p50ms} / ${r.p99ms}` };
    });
    add(`hot-drop server CPU ms per granted hold, ${c} conns`, (p) => num(pick(report, "hot-drop", p, c)?.cpuMs?.serverPerGrant), "<= 0.5", (v) => v <= 0.5);
    for (const [name, threshold] of [["reference", 0.8], ["bare", 0.5]]) {
      add(
        `hot-drop / ${name} (${num(pick(report, name, undefined, c)?.perSecond) ?? "-"} holds/s), ${c} conns`,
        (p) => report.ratios.find((r) => r.processes === p && r.connections === c && r.against === name)?.ratio,
        c === maxConnections ? `>= ${threshold}` : "",
        c === maxConnections ? (v) => v >= threshold : undefined,
      );
    }
  }
  const ticket = (p) => pick(report, "ticketdrop", p);
  add("ticketdrop: wall s until every request is answered", (p) => num(ticket(p)?.wallSeconds), "<= 10", (v) => v <= 10);
  add("ticketdrop: holds granted", (p) => num(ticket(p)?.granted), `= ${report.settings.ticketStock}`, (v) => v === Math.min(report.settings.ticketStock, report.settings.ticketShoppers));
  add("ticketdrop: 5xx / network errors", (p) => num(ticket(p)?.serverErrors), "0", (v) => v === 0);
  add("ticketdrop: answers/s (all) / refusals/s after sell-out", (p) => ticket(p) && { text: `${ticket(p).answersPerSecond} / ${ticket(p).refusals?.perSecond ?? "-"}` });
  add("ticketdrop: p99 ms / max ms", (p) => ticket(p) && { text: `${ticket(p).p99ms} / ${ticket(p).maxms}` });
  add("ticketdrop: server CPU ms per refusal", (p) => num(ticket(p)?.refusals?.serverCpuMsPerRefusal), "<= 0.15", (v) => v <= 0.15);
  add("ticketdrop: load generator CPU ms per refusal", (p) => num(ticket(p)?.refusals?.harnessCpuMsPerRefusal));
  const fan = (p) => report.details.fanout?.[p];
  add("fanout: sockets connected", (p) => fan(p) && { text: `${fan(p).connected} / ${fan(p).clients} in ${fan(p).connectSeconds} s` });
  add("fanout: holds/s with no socket", (p) => num(fan(p)?.holdsPerSecondWithoutSockets));
  add("fanout: holds/s with the sockets watching", (p) => num(fan(p)?.holdsPerSecondWithSockets));
  add("fanout: with sockets / without", (p) => num(fan(p)?.withSocketsOverWithout), ">= 0.5", (v) => v >= 0.5);
  add(
    "fanout: p99 commit -> arrival ms",
    (p) => {
      const f = fan(p);
      if (!f) return undefined;
      if (f.delayFromCommittedAtMs) return { text: `${f.delayFromCommittedAtMs.p99}`, value: f.delayFromCommittedAtMs.p99 };
      return { text: `${f.delayFromAnswerMs.p99} .. ${f.delayFromDecisionMs.p99} (bounds, no committedAt)`, low: f.delayFromAnswerMs.p99, high: f.delayFromDecisionMs.p99 };
    },
    "<= 250",
    (v) => (v.value !== undefined ? v.value <= 250 : v.high <= 250),
  );
  add("fanout: sockets on the final version", (p) => fan(p) && { text: `${fan(p).clientsWithFinalVersion} / ${fan(p).clients}`, ok: fan(p).clientsWithFinalVersion === fan(p).clients }, "all", (v) => v.ok);
  add("fanout: peak RSS MB of each server process", (p) => fan(p) && { text: fan(p).serverRssMb.peak.join(", "), max: Math.max(...fan(p).serverRssMb.peak) }, "< 400", (v) => v.max < 400);
  add("fanout: stockUpdated per socket per second (mean / max)", (p) => fan(p) && { text: `${fan(p).messagesPerClientPerSecond.mean} / ${fan(p).messagesPerClientPerSecond.max}`, max: fan(p).messagesPerClientPerSecond.max }, "<= 20", (v) => v.max <= 20);
  return { headers: ["figure", ...counts.map((p) => `${p} process${p > 1 ? "es" : ""}${report.phases.find((x) => x.processes === p)?.nodeProcessesSeen === 1 && p > 1 ? " (ran 1)" : ""}`), "target", "met"], lines };
}

export function summary(report) {
  const out = [];
  const cmp = comparison(report);
  if (cmp.lines.length > 0) out.push(markdownTable(cmp.headers, cmp.lines), "");
  out.push(
    markdownTable(
      ["scenario", "procs", "setup", "requests", "holds granted", "holds/s", "answers/s", "p50 ms", "p99 ms", "max ms", "wall s", "answers", "server CPU ms / answer", "CPU % of a core: server / pg / harness (/ clients)"],
      report.rows.map((r) => [r.scenario + mark(r), r.processes ?? "-", r.setup, r.requests, r.granted, r.perSecond, r.answersPerSecond, r.p50ms, r.p99ms, r.maxms, r.wallSeconds, codesText(r.codes), r.cpuMs?.serverPerAnswer, cpuText(r.cpu)]),
    ),
  );
  if (report.rows.some(disturbed)) {
    out.push("", `⚠ other processes on the machine used >= ${DISTURBED_OTHER_PCT}% of a core during this section ("other" in the CPU column): rerun for a clean figure.`);
  }
  for (const [processes, fan] of Object.entries(report.details.fanout ?? {})) {
    out.push(
      "",
      markdownTable(
        [`fanout, ${processes} process${processes > 1 ? "es" : ""}`, "value"],
        [
          ["sockets connected (client processes)", `${fan.connected} of ${fan.clients} (${fan.clientProcesses}), in ${fan.connectSeconds} s${Object.keys(fan.connectFailures).length ? `; failures ${JSON.stringify(fan.connectFailures)}` : ""}`],
          ["holds/s without / with the sockets", `${fan.holdsPerSecondWithoutSockets} / ${fan.holdsPerSecondWithSockets} (${fan.withSocketsOverWithout}x)`],
          ["commit -> arrival from committedAt, p50 / p99 / max ms", fan.delayFromCommittedAtMs ? `${fan.delayFromCommittedAtMs.p50} / ${fan.delayFromCommittedAtMs.p99} / ${fan.delayFromCommittedAtMs.max} (${fan.delayFromCommittedAtMs.n} messages; database clock ${fan.clock.dbAheadOfDateNowMs} ms ahead)` : "no committedAt in stockUpdated"],
          ["commit -> arrival, from the HTTP answer (lower bound) p50 / p99 / max ms", `${fan.delayFromAnswerMs.p50} / ${fan.delayFromAnswerMs.p99} / ${fan.delayFromAnswerMs.max}`],
          ["commit -> arrival, from the decision time (upper bound) p50 / p99 / max ms", `${fan.delayFromDecisionMs.p50} / ${fan.delayFromDecisionMs.p99} / ${fan.delayFromDecisionMs.max}`],
          ["stockUpdated per socket per second (mean / max)", `${fan.messagesPerClientPerSecond.mean} / ${fan.messagesPerClientPerSecond.max}`],
          ["sockets with the final version", `${fan.clientsWithFinalVersion} / ${fan.clients} (${fan.lastStateMsAfterBurst} ms after the last answer)`],
          ["server RSS MB per process: before sockets / idle sockets / peak / end", `${fan.serverRssMb.beforeSockets.join("+")} / ${fan.serverRssMb.withIdleSockets.join("+")} / ${fan.serverRssMb.peak.join("+")} / ${fan.serverRssMb.end.join("+")}`],
          ["client processes' RSS MB", fan.clientRssMb.join(", ")],
          ["disconnects during the run", JSON.stringify(fan.disconnectsDuringRun)],
        ],
      ),
    );
  }
  const prof = report.details.profile;
  if (prof) out.push("", profileText(prof));
  if (report.targets.length > 0) {
    out.push("", markdownTable(["target", "procs", "measured", "met"], report.targets.map((t) => [t.target, t.processes ?? "-", t.value, t.met === null ? "unclear (within the bounds)" : t.met ? "yes" : "**no**"])));
  }
  return out.join("\n");
}

/** The profile's findings, as Markdown. */
export function profileText(prof) {
  const out = [`### Where the time goes (profile: ${prof.processes} process${prof.processes > 1 ? "es" : ""} asked, ${prof.serverProcesses} ran, ${prof.profilesWritten} CPU profiles; slowed by the profiler)`];
  for (const name of ["holds", "refusals"]) {
    const p = prof[name];
    if (!p) continue;
    out.push(
      "",
      `**${name === "holds" ? "Hold path" : "Refusal path (sold-out drop)"}**: ${p.answers} answers (${p.granted} granted), ${p.answersPerSecond}/s; CPU ms per answer: server ${p.cpuMsPerAnswer.server}, PostgreSQL ${p.cpuMsPerAnswer.postgres}, load generator ${p.cpuMsPerAnswer.loadGenerator}.`,
    );
    if (p.node) {
      out.push(`Server processes busy / idle ms in the window: ${p.nodeByProcess.map((x) => `${x.role} ${x.busyMs} / ${x.idleMs}`).join("; ")}.`, "");
      out.push(markdownTable(["self ms", "% of busy", "function", "where"], p.node.functions.map((f) => [f.ms, f.pct, f.name, f.where])));
      out.push("", markdownTable(["self ms", "% of busy", "package or area"], p.node.packages.map((f) => [f.ms, f.pct, f.name])));
    }
    if (p.postgresStatements) {
      out.push("", markdownTable(["calls", "total ms", "mean ms", "statement (pg_stat_statements, track=all: nested statements counted inside their caller too)"], p.postgresStatements.map((r) => [r.calls, r.total_ms, r.mean_ms, r.query.replaceAll("|", "\\|")])));
    }
    if (p.postgresActivity?.length) {
      out.push("", markdownTable(["PostgreSQL client backends (pg_stat_activity every 20 ms)", "mean number"], p.postgresActivity.slice(0, 8).map((a) => [a.state, a.meanBackends])));
    }
  }
  return out.join("\n");
}
