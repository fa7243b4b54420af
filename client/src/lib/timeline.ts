import type { TimelineEvent } from "../api/checkout";
import { methodLabel } from "./payment-methods";

export type EventTone = "good" | "bad" | "neutral";

const text = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value) : "");

/** "notification_sent" with `{channel: "sms", kind: "purchase_confirmation"}` -> "Confirmation SMS". */
function messageName(detail: Record<string, unknown>): string {
  const channel = detail.channel === "sms" ? "SMS" : "email";
  const kind = text(detail.kind ?? detail.template);
  if (/expir/i.test(kind)) return `Cart-expired ${channel}`;
  return `Confirmation ${channel}`;
}

/** One line of a hold's timeline, as a shopper or an admin reads it. */
export function describeEvent(event: TimelineEvent): { label: string; tone: EventTone } {
  const detail = event.detail ?? {};
  const reason = text(detail.reason);
  switch (event.type) {
    case "queue_admitted":
      return { label: "Let in from the waiting room", tone: "neutral" };
    case "hold_created":
      return { label: detail.quantity ? `Hold taken (${text(detail.quantity)} unit${detail.quantity === 1 ? "" : "s"})` : "Hold taken", tone: "neutral" };
    case "hold_cancelled":
      return { label: "Hold released", tone: "neutral" };
    case "hold_expired":
      return { label: "Hold expired: the units went back to stock", tone: "bad" };
    case "payment_started":
      return { label: `Payment started (${methodLabel(detail.method)})`, tone: "neutral" };
    case "payment_pending":
      return { label: "The bank is confirming the payment", tone: "neutral" };
    case "payment_failed":
      if (reason === "provider_unreachable")
        return {
          label: `Payment provider unreachable${detail.attempt ? ` (attempt ${text(detail.attempt)})` : ""}${detail.retryable ? ", trying again" : ""}`,
          tone: "bad",
        };
      if (reason === "payment_timeout") return { label: "The bank did not answer in time", tone: "bad" };
      return { label: `Payment declined: ${reason || "no reason given"}`, tone: "bad" };
    case "payment_approved":
      return { label: "Payment approved", tone: "good" };
    case "payment_voided":
      return { label: "Payment voided: no money taken", tone: "neutral" };
    case "payment_refunded":
      return { label: "Payment refunded", tone: "neutral" };
    case "purchase_completed":
      return { label: `Purchase completed ${text(detail.confirmationCode)}`.trim(), tone: "good" };
    case "ticket_issued":
      return { label: "Ticket issued", tone: "good" };
    case "notification_queued":
      return { label: `${messageName(detail)} queued`, tone: "neutral" };
    case "notification_sent":
      return { label: `${messageName(detail)} sent`, tone: "good" };
    case "notification_failed":
      return { label: `${messageName(detail)} failed${detail.error ? `: ${text(detail.error)}` : ""}`, tone: "bad" };
    default: {
      const words = event.type.replaceAll("_", " ");
      return { label: words.charAt(0).toUpperCase() + words.slice(1), tone: "neutral" };
    }
  }
}
