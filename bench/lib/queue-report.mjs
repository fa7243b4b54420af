// The ticketdrop-queue scenario's details as Markdown (one column per server process count).
import { markdownTable } from "./report.mjs";

const s = (x) => (x === null || x === undefined ? "-" : `${x} s`);

export function queueSummary(byProcesses) {
  const counts = Object.keys(byProcesses).map(Number).sort((a, b) => a - b);
  const cols = counts.map((p) => byProcesses[p]);
  const row = (label, get) => [label, ...cols.map((d) => get(d))];
  const rows = [
    row("setup", (d) => `${d.shoppers} shoppers, ${d.stock} units, line opens ${d.openBeforeStartSeconds} s before startsAt, ${d.admitPerSecond}/s, ${d.joinConnections} join conns`),
    row("sockets (shoppers' own + 1 observer)", (d) => `${d.socketsConnected} of ${d.socketsSampled} in ${d.socketConnectSeconds} s`),
    row("**every outcome known, from startsAt**", (d) => (d.allKnownSeconds === null ? `**${d.unknownOutcomes} never knew**` : `**${d.allKnownSeconds} s** (last: ${d.lastToKnow})`)),
    row("how shoppers learned it", (d) => Object.entries(d.knownBy).map(([k, n]) => `${k} ${n}`).join(", ")),
    row("first join sent before startsAt", (d) => s(d.moments.firstJoinSentBeforeStart)),
    row("draw committed / heard (from startsAt)", (d) => `${s(d.moments.shuffledAt)} / ${s(d.moments.drawHeard)}`),
    row("last admission / last hold decided / answered", (d) => `${s(d.moments.lastAdmission)} / ${s(d.moments.lastHoldDecided)} / ${s(d.moments.lastHoldAnswered)}`),
    row("last purchase answered", (d) => s(d.moments.lastPurchaseAnswered)),
    row("line closed (database) / heard by observer / by the last socket", (d) => `${s(d.moments.closedAt)} / ${s(d.moments.closedHeardByObserver)} / ${s(d.moments.lastSocketHeardClosed)}`),
    row("last join answered", (d) => s(d.moments.lastJoinAnswered)),
    row("joins: answered / 201 / 409 QUEUE_CLOSED / into the pre-queue", (d) => `${d.joins.answered} / ${d.joins.created} / ${d.joins.closed} / ${d.joins.intoPreQueue}`),
    row("joins/s; join p50 / p99 / max ms (all answers)", (d) => `${d.joins.answersPerSecond}; ${d.joins.latencyMs.p50ms} / ${d.joins.latencyMs.p99ms} / ${d.joins.latencyMs.maxms}`),
    row("join p50 / p99 ms (201 only)", (d) => `${d.joins.createdLatencyMs.p50ms} / ${d.joins.createdLatencyMs.p99ms}`),
    row("polls of GET /queue/me (of which repeats)", (d) => `${d.polls} (${d.repolls})`),
    row("requests asked again after a 5xx or a lost connection", (d) => Object.entries(d.retriesAfter5xx).map(([k, n]) => `${k} ${n}`).join(", ") || "none"),
    row("answers by code", (d) => Object.entries(d.codes).map(([k, n]) => `${k}: ${n}`).join(", ")),
    row("harness connections: joins / draw polls / admitted shoppers (most in flight)", (d) => `${d.harnessConnections.join} / ${d.harnessConnections.poll} (${d.harnessConnections.maxPollsInFlight}) / ${d.harnessConnections.act} (${d.harnessConnections.maxActsInFlight})`),
    row("holds / purchases (201)", (d) => `${d.holds.answered201} / ${d.purchases.answered201}`),
    row("hold p50 / p99 ms; admitted -> hold decided p50 / p99 ms", (d) => `${d.holds.latencyMs.p50ms} / ${d.holds.latencyMs.p99ms}; ${d.holds.admittedToHeldMs.p50} / ${d.holds.admittedToHeldMs.p99}`),
    row("holders told by their socket / by a poll; admission heard -> hold answered p50 / p99 ms (socket; poll)", (d) => `${d.holds.bySocket} / ${d.holds.byPoll}; ${d.holds.heardToHeldMs.socket.p50ms} / ${d.holds.heardToHeldMs.socket.p99ms}; ${d.holds.heardToHeldMs.polled.p50ms} / ${d.holds.heardToHeldMs.polled.p99ms}`),
    row("purchase p50 / p99 ms", (d) => `${d.purchases.latencyMs.p50ms} / ${d.purchases.latencyMs.p99ms}`),
    row("inversions; holds without admission; admissions out of number order", (d) => `${d.order.inversions}; ${d.order.holdsWithoutAdmission}; ${d.order.admissionsOutOfOrder}`),
    row("holds decided out of number order (admitted shoppers' own speed; not inversions)", (d) => `${d.order.holdsOutOfNumberOrder} pairs (highest number held: ${d.order.maxHeldNumber})`),
    row("entries by status; numbers a permutation of 1..N", (d) => `${Object.entries(d.database.entries).map(([k, n]) => `${k} ${n}`).join(", ")}; ${d.permutation ? "yes" : "**no**"}`),
    row("CPU % of a core each second from the opening: server / pg / harness / socket process", (d) => d.cpuTimeline.map((c) => c.join("/")).join(" ")),
    ...["untilLastHold", "afterLastHold", "whole"].map((w) =>
      row(`PostgreSQL backends by statement and wait (mean number, pg_stat_activity every 50 ms), ${{ untilLastHold: "opening to the last hold", afterLastHold: "last hold to the end", whole: "whole window" }[w]}`, (d) => {
        const a = d.postgresActivity?.[w];
        return a ? a.rows.filter((r) => r.mean >= 0.05).map((r) => `${r.kind}, ${r.state}: ${r.mean}`).join("; ") : "-";
      }),
    ),
    row("socket messages received (all sockets)", (d) => Object.entries(d.socketEvents).map(([k, n]) => `${k} ${n}`).join(", ")),
  ];
  const out = [markdownTable(["ticketdrop-queue", ...counts.map((p) => `${p} process${p > 1 ? "es" : ""}`)], rows.map((r) => r.map((x) => String(x).replaceAll("|", "\\|"))))];
  for (const p of counts) {
    const st = byProcesses[p].postgresStatements;
    if (!st) continue;
    out.push("", markdownTable([`calls (${p} process${p > 1 ? "es" : ""})`, "total ms", "mean ms", "statement (pg_stat_statements, track = all: nested statements also inside their caller)"], st.map((r) => [r.calls, r.total_ms, r.mean_ms, r.query.replaceAll("|", "\\|")])));
  }
  return out.join("\n");
}
