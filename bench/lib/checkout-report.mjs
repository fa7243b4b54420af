// ticketdrop-checkout's figures as Markdown: one column per server process count.
import { markdownTable } from "./report.mjs";

const pairText = (a) => (a ? `${a[0]} / ${a[1]}` : "-");
const codesText = (codes) => Object.entries(codes).map(([code, n]) => `${code}: ${n}`).join(", ") || "-";
const cpuText = (c) => (c ? `${c.server} / ${c.postgres ?? "?"} / ${c.harness} / ${c.clients ?? "?"} (other ${c.other ?? "?"})` : "-");

export function checkoutSummary(byProcesses) {
  const counts = Object.keys(byProcesses);
  const rows = [
    ["holds: granted of requests, wall s", (d) => `${d.holds.granted} of ${d.holds.requests}, ${d.holds.wallSeconds} s`],
    ["holds: p50 / p99 / max ms", (d) => `${d.holds.p50ms} / ${d.holds.p99ms} / ${d.holds.maxms}`],
    ["payments: winners, in flight at most, tries each at most", (d) => `${d.payment.winners}, ${d.payment.concurrency}, ${d.payment.maxAttempts}`],
    ["payments: attempts / declines (share)", (d) => `${d.payment.attempts} / ${d.payment.declines} (${d.payment.declineShare} %)`],
    ["sales (tries it took: count)", (d) => `${d.payment.sold} (${Object.entries(d.payment.attemptsOfSales).map(([k, n]) => `${k}: ${n}`).join(", ")})`],
    ["cancelled after the last decline (units back)", (d) => d.payment.cancelledAfterDeclines],
    ["sales per second (first payment sent -> last sale answered)", (d) => `${d.payment.salesPerSecond} (last sale at ${d.payment.lastSaleSeconds} s)`],
    ["every winner's hold ended, s after the first payment / after the burst began", (d) => `${d.payment.allEndedSeconds} / ${d.payment.allEndedFromBurstSeconds}`],
    ["POST /api/purchases p50 / p99 / max ms", (d) => `${d.payment.purchaseLatencyMs.p50ms} / ${d.payment.purchaseLatencyMs.p99ms} / ${d.payment.purchaseLatencyMs.maxms}`],
    ["purchase answers", (d) => codesText(d.payment.codes.purchase)],
    ["cancel answers", (d) => codesText(d.payment.codes.cancel)],
    ["checkouts by status (database)", (d) => codesText(d.database.checkouts)],
    ["provider's charges by status / checkouts voided", (d) => `${codesText(d.database.charges)} / ${d.database.voided}`],
    ["sold_stock = purchases = tickets", (d) => `${d.database.drop.sold_stock} = ${d.database.purchases.n} = ${d.database.tickets}`],
    ["winners' holds by status", (d) => codesText(d.database.reservations)],
    ["outbox: queued (expected) / sent / failed / most attempts", (d) => `${d.notifications.queued} (${d.notifications.expected}) / ${d.notifications.sent} / ${d.notifications.failed} / ${d.notifications.maxAttempts}`],
    ["outbox drained: s after the first sale / after the last sale (database clock)", (d) => (d.notifications.drained ? `${d.notifications.timings.drainFromFirstSaleSeconds} / ${d.notifications.timings.drainFromLastSaleSeconds}` : "**not drained**")],
    ["sales spanned (first -> last sale, database clock), s", (d) => d.notifications.timings.salesSpanSeconds],
    ["deliveries per second (first dispatch -> last sent)", (d) => d.notifications.timings.deliveriesPerSecond],
    ["message waits p50 / p99 ms: queued -> relayed, relayed -> sent, queued -> sent", (d) => `${pairText(d.notifications.timings.relayWaitMsP50P99)}, ${pairText(d.notifications.timings.deliveryWaitMsP50P99)}, ${pairText(d.notifications.timings.queuedToSentMsP50P99)}`],
    ["received by the SMTP sink / SMS sink (duplicates)", (d) => `${d.notifications.received.email.received} / ${d.notifications.received.sms.received} (${d.notifications.received.email.duplicates + d.notifications.received.sms.duplicates})`],
    ["hold_events of the winners' holds", (d) => codesText(d.database.holdEvents)],
    ["5xx / network errors while paying and cancelling", (d) => d.payment.serverErrors],
    ["CPU % of a core while paying: server / pg / harness / sinks", (d) => cpuText(d.cpu.paying)],
    ["CPU % of a core from the last payment until drained: server / pg / harness / sinks", (d) => cpuText(d.cpu.draining)],
  ];
  const out = [
    markdownTable(
      ["ticketdrop-checkout", ...counts.map((p) => `${p} process${p > 1 ? "es" : ""}`)],
      rows.map(([label, get]) => [label, ...counts.map((p) => get(byProcesses[p]))]),
    ),
  ];
  for (const p of counts) {
    const top = byProcesses[p].payStatements;
    if (!top) continue;
    out.push("", `PostgreSQL while paying, ${p} process${p > 1 ? "es" : ""} (pg_stat_statements, track=all: nested statements counted inside their caller too):`, "");
    out.push(markdownTable(["calls", "total ms", "mean ms", "statement"], top.map((r) => [r.calls, r.total_ms, r.mean_ms, r.query.replaceAll("|", "\\|")])));
  }
  return out.join("\n");
}
