import { isApiError } from "../api/http";
import type { Purchase } from "../api/types";
import { formatMoney } from "./money";
import { serverNow } from "./server-clock";

/** How a reserve/purchase/release attempt ended, as told to the shopper. */
export type OutcomeKind =
  | "purchased"
  | "expired"
  | "released"
  | "sold_out"
  | "limit"
  | "not_live"
  | "rate_limited"
  | "too_late"
  | "declined"
  | "payment_unavailable"
  | "processing"
  | "payment_failed"
  | "not_admitted"
  | "error";

export interface Outcome {
  kind: OutcomeKind;
  tone: "success" | "info" | "warning" | "error";
  title: string;
  detail?: string;
  purchase?: Purchase;
  /** Server time (ms) before which trying again is pointless (429). */
  retryUntil?: number;
  /** A refused payment: why (card_declined, insufficient_funds, ...), and until when the hold is still the shopper's. */
  reason?: string;
  holdUntil?: string;
}

export const purchased = (purchase: Purchase): Outcome => ({
  kind: "purchased",
  tone: "success",
  title: "Purchased!",
  detail: `Confirmation ${purchase.confirmationCode}. You paid ${formatMoney(purchase.amountPaid)} for ${purchase.quantity} unit${purchase.quantity === 1 ? "" : "s"}.`,
  purchase,
});

export const purchasedElsewhere = (): Outcome => ({
  kind: "purchased",
  tone: "success",
  title: "Purchased in another window",
  detail: "Your hold was bought from another tab or device. The confirmation is in My history.",
});

export const expired = (): Outcome => ({
  kind: "expired",
  tone: "warning",
  title: "Your hold expired",
  detail: "Time ran out before the purchase, so the units went back to stock. You were not charged. Reserve again if any are left.",
});

export const released = (elsewhere = false): Outcome => ({
  kind: "released",
  tone: "info",
  title: "Hold released",
  detail: `${elsewhere ? "Your hold was released from another window. " : ""}The units are back in stock for everyone.`,
});

// The words of the checkout outcomes are in the checkout chunk (components/checkout/CheckoutNotice).
export const processing = (purchase: Purchase): Outcome => ({ kind: "processing", tone: "info", title: "Confirming your payment", purchase });

/** A payment that did not go through while the hold stays the shopper's (402, 503, or a slow bank that said no). */
export const paymentRefused = (kind: "declined" | "payment_unavailable", reason: string, holdUntil: string): Outcome => ({
  kind,
  tone: kind === "declined" ? "error" : "warning",
  title: kind === "declined" ? "Payment declined" : "Payment provider unreachable",
  reason,
  holdUntil,
});

/** The payment ended without a sale and the hold with it: any charge was voided. */
export const paymentFailed = (reason: string): Outcome => ({ kind: "payment_failed", tone: "error", title: "Payment voided", reason });

/** An API failure as the shopper should read it; the server's message is kept where it adds something. */
export function fromError(error: unknown): Outcome {
  if (!isApiError(error)) return { kind: "error", tone: "error", title: "Something went wrong", detail: String(error) };
  switch (error.code) {
    case "OUT_OF_STOCK":
      return {
        kind: "sold_out",
        tone: "warning",
        title: "Sold out",
        detail: `${error.message} Units held by others come back if their holds run out, so keep this page open.`,
      };
    case "LIMIT_EXCEEDED":
      return { kind: "limit", tone: "warning", title: "Limit reached", detail: error.message };
    case "DROP_NOT_LIVE":
      return { kind: "not_live", tone: "warning", title: "This drop is not live", detail: error.message };
    case "RATE_LIMITED": {
      const seconds = error.retryAfterSeconds ?? 60;
      return {
        kind: "rate_limited",
        tone: "warning",
        title: "Too many requests",
        detail: `Slow down a little: you can try again in ${seconds} s.`,
        retryUntil: serverNow() + seconds * 1000,
      };
    }
    case "RESERVATION_EXPIRED":
      return { kind: "too_late", tone: "error", title: "Too late: the hold ran out", detail: `${error.message} Any charge was refunded.` };
    case "PAYMENT_DECLINED":
      return { kind: "declined", tone: "error", title: "Payment declined", detail: error.message };
    case "NOT_ADMITTED":
      return { kind: "not_admitted", tone: "warning", title: "Not your turn", detail: "This drop has a waiting room: you can reserve once the line lets you in." };
    case "UNAUTHENTICATED":
      return { kind: "error", tone: "error", title: "Session ended", detail: "Pick a username again to continue." };
    default:
      return { kind: "error", tone: "error", title: error.status === 0 ? "Offline?" : "That did not work", detail: error.message };
  }
}
