import type { FailuresResponse, TimelineEvent } from "./timeline.schemas.js";

/** Who does what in a hold's life, for the sequence diagram: [from, to, arrow]. */
const ACTORS: Record<string, [string, string, "->>" | "-->>"]> = {
  queue_admitted: ["L", "S", "-->>"],
  hold_created: ["S", "D", "->>"],
  hold_cancelled: ["S", "D", "->>"],
  hold_expired: ["D", "S", "-->>"],
  payment_started: ["D", "P", "->>"],
  payment_pending: ["P", "D", "-->>"],
  payment_failed: ["P", "D", "-->>"],
  payment_approved: ["P", "D", "-->>"],
  payment_voided: ["D", "P", "->>"],
  payment_refunded: ["D", "P", "->>"],
  purchase_completed: ["D", "S", "-->>"],
  ticket_issued: ["D", "S", "-->>"],
  notification_queued: ["D", "N", "->>"],
  notification_sent: ["N", "S", "-->>"],
  notification_failed: ["N", "D", "-->>"],
};

/** The short words after an event's type: the reason, the method, the channel. */
export function describe(event: TimelineEvent): string {
  const d = event.detail ?? {};
  const parts = [d.method, d.reason, d.channel, d.template, d.confirmationCode, d.quantity !== undefined ? `${d.quantity} unit(s)` : undefined]
    .filter((part) => part !== undefined && part !== null)
    .map(String);
  if (d.attempt !== undefined) parts.push(`attempt ${d.attempt}${d.retryable ? ", will retry" : ""}`);
  return parts.join(", ");
}

export function timelineAsText(reservationId: string, events: TimelineEvent[]): string {
  const lines = [`Hold ${reservationId}: ${events.length} event(s)`];
  for (const event of events) {
    const words = describe(event);
    lines.push(`  ${event.at}  ${event.type.padEnd(20)}${words ? `  ${words}` : ""}`);
  }
  return lines.join("\n") + "\n";
}

export function timelineAsMermaid(events: TimelineEvent[]): string {
  const lines = [
    "sequenceDiagram",
    "  participant S as Shopper",
    "  participant L as Waiting room",
    "  participant D as Dropline",
    "  participant P as Payment provider",
    "  participant N as Notifications",
  ];
  for (const event of events) {
    const [from, to, arrow] = ACTORS[event.type] ?? ["D", "D", "->>"];
    const words = describe(event);
    // Mermaid ends a message at ';' or '#'; times keep the milliseconds that tell retries apart.
    const text = `${event.type}${words ? ` (${words})` : ""} ${event.at.slice(11, 23)}`.replace(/[;#]/g, ",");
    lines.push(`  ${from}${arrow}${to}: ${text}`);
  }
  return lines.join("\n") + "\n";
}

export function failuresAsText(report: FailuresResponse): string {
  if (report.groups.length === 0) return `No failures since ${report.since}.\n`;
  const lines = [`Failures since ${report.since}:`];
  for (const group of report.groups) {
    lines.push(`  ${String(group.count).padStart(6)}  ${group.type.padEnd(20)} ${group.reason}`);
    lines.push(`          latest holds: ${group.reservationIds.join(", ")}`);
  }
  return lines.join("\n") + "\n";
}

/** "90s", "5m", "2h", "1d" (or plain seconds) -> seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration: use e.g. 90s, 5m, 2h or 1d`);
  return Number(match[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "" | "s" | "m" | "h" | "d"];
}
