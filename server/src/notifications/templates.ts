import { z } from "zod";

/**
 * What each outbox template says. The data is written by SQL in the
 * transaction of the change (dropline_complete_checkout, dropline_release_lapsed),
 * so it is checked here before it is shown to anyone: a row that does not
 * match is a bug to see on the admin page, not a half-filled email.
 */
export const purchaseCompletedData = z.object({
  dropName: z.string(),
  dropId: z.string(),
  username: z.string(),
  quantity: z.number().int().positive(),
  amountPaid: z.string(),
  confirmationCode: z.string(),
  purchaseId: z.string(),
  tickets: z.array(z.string()),
});
export type PurchaseCompletedData = z.infer<typeof purchaseCompletedData>;

export const cartExpiredData = z.object({
  dropName: z.string(),
  dropId: z.string(),
  quantity: z.number().int().positive(),
  username: z.string(),
});
export type CartExpiredData = z.infer<typeof cartExpiredData>;

export const pickupReminderData = z.object({
  dropName: z.string(),
  preorderId: z.string(),
  username: z.string(),
  quantity: z.number().int().positive(),
  reminder: z.number().int().positive(),
});
export type PickupReminderData = z.infer<typeof pickupReminderData>;

/**
 * A one-time code for an address (sessions and PATCH /api/me, written by
 * contacts/codes.ts). Nothing else goes to an address before its owner
 * enters this code, so the message says nothing the asker chose (not even
 * their username): a stranger who types someone's address cannot put words
 * in front of them, only a code they can ignore.
 */
export const contactCodeData = z.object({
  code: z.string().regex(/^[0-9]{6}$/),
  purpose: z.literal("confirm"),
  minutes: z.number().int().positive(),
});
export type ContactCodeData = z.infer<typeof contactCodeData>;

export type Channel = "email" | "sms";

export interface RenderedMessage {
  /** Email only. */
  subject?: string;
  /** Plain text: the SMS itself, or the text part of the email. */
  text: string;
  /** Email only. */
  html?: string;
}

export class TemplateError extends Error {}

/** Where a ticket's QR code is served (owner only), relative to the shop's own origin. */
export const ticketQrPath = (code: string) => `/api/tickets/${encodeURIComponent(code)}/qr.svg`;

/** Renders one outbox message; throws TemplateError for an unknown template or data that does not fit it. */
export function renderMessage(template: string, channel: Channel, data: unknown): RenderedMessage {
  if (template === "purchase_completed") {
    const parsed = parseData(purchaseCompletedData, template, data);
    return channel === "sms" ? { text: purchaseCompletedSms(parsed) } : purchaseCompletedEmail(parsed);
  }
  if (template === "cart_expired") {
    const parsed = parseData(cartExpiredData, template, data);
    return channel === "sms" ? { text: cartExpiredSms(parsed) } : cartExpiredEmail(parsed);
  }
  if (template === "pickup_reminder") {
    const parsed = parseData(pickupReminderData, template, data);
    return channel === "sms" ? { text: pickupReminderSms(parsed) } : pickupReminderEmail(parsed);
  }
  if (template === "contact_code") {
    const parsed = parseData(contactCodeData, template, data);
    return channel === "sms" ? { text: contactCodeSms(parsed) } : contactCodeEmail(parsed);
  }
  throw new TemplateError(`unknown template "${template}"`);
}

function parseData<S extends z.ZodType>(schema: S, template: string, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "data"} ${issue.message}`).join("; ");
  throw new TemplateError(`data does not fit "${template}": ${problems}`);
}

const units = (quantity: number) => (quantity === 1 ? "1 unit" : `${quantity} units`);

export function purchaseCompletedEmail(d: PurchaseCompletedData): RenderedMessage {
  const subject = `Your order for ${d.dropName}: ${d.confirmationCode}`;
  const text = [
    `Hi ${d.username},`,
    "",
    `Thank you for your purchase of ${units(d.quantity)} of ${d.dropName}.`,
    "",
    `Confirmation code: ${d.confirmationCode}`,
    `Quantity: ${d.quantity}`,
    `Amount paid: ${d.amountPaid}`,
    "",
    d.tickets.length === 1 ? "Your ticket:" : "Your tickets:",
    ...d.tickets.map((code, i) => `  ${i + 1}. ${code}  (QR code: ${ticketQrPath(code)})`),
    "",
    "Show a ticket's QR code at check-in; each code is let in once.",
    "",
    "Dropline",
  ].join("\n");
  const html = page(
    subject,
    [
      `<p>Hi ${escapeHtml(d.username)},</p>`,
      `<p>Thank you for your purchase of ${units(d.quantity)} of <strong>${escapeHtml(d.dropName)}</strong>.</p>`,
      "<table>",
      row("Confirmation code", `<strong>${escapeHtml(d.confirmationCode)}</strong>`),
      row("Quantity", String(d.quantity)),
      row("Amount paid", escapeHtml(d.amountPaid)),
      "</table>",
      `<p>${d.tickets.length === 1 ? "Your ticket" : "Your tickets"}:</p>`,
      "<ol>",
      ...d.tickets.map((code) => `<li><code>${escapeHtml(code)}</code> &middot; <a href="${escapeHtml(ticketQrPath(code))}">QR code</a></li>`),
      "</ol>",
      "<p>Show a ticket's QR code at check-in; each code is let in once.</p>",
    ].join("\n"),
  );
  return { subject, text, html };
}

/** An SMS is one segment when it can be: the code and the tickets, nothing else. */
export function purchaseCompletedSms(d: PurchaseCompletedData): string {
  const tickets = d.tickets.length === 1 ? `Ticket ${d.tickets[0]}` : `Tickets ${d.tickets.join(", ")}`;
  return `Dropline: ${d.dropName} x${d.quantity} paid ${d.amountPaid}. Code ${d.confirmationCode}. ${tickets}`;
}

export function cartExpiredEmail(d: CartExpiredData): RenderedMessage {
  const subject = `Your hold on ${d.dropName} ran out`;
  const text = [
    `Hi ${d.username},`,
    "",
    `Your hold on ${units(d.quantity)} of ${d.dropName} ran out before it was paid for, so the units went back to stock.`,
    "If the drop is still live you can reserve again.",
    "",
    "Dropline",
  ].join("\n");
  const html = page(
    subject,
    [
      `<p>Hi ${escapeHtml(d.username)},</p>`,
      `<p>Your hold on ${units(d.quantity)} of <strong>${escapeHtml(d.dropName)}</strong> ran out before it was paid for, so the units went back to stock.</p>`,
      "<p>If the drop is still live you can reserve again.</p>",
    ].join("\n"),
  );
  return { subject, text, html };
}

export function cartExpiredSms(d: CartExpiredData): string {
  return `Dropline: your hold on ${d.dropName} ran out; the units went back to stock.`;
}

export function pickupReminderEmail(d: PickupReminderData): RenderedMessage {
  const subject = `Your pre-order of ${d.dropName} is ready for pickup`;
  const text = [
    `Hi ${d.username},`,
    "",
    `Your pre-order of ${units(d.quantity)} of ${d.dropName} is being prepared and waits to be picked up.`,
    `Order: ${d.preorderId}`,
    "",
    "Dropline",
  ].join("\n");
  const html = page(
    subject,
    [
      `<p>Hi ${escapeHtml(d.username)},</p>`,
      `<p>Your pre-order of ${units(d.quantity)} of <strong>${escapeHtml(d.dropName)}</strong> is being prepared and waits to be picked up.</p>`,
      `<p>Order: <code>${escapeHtml(d.preorderId)}</code></p>`,
    ].join("\n"),
  );
  return { subject, text, html };
}

export function pickupReminderSms(d: PickupReminderData): string {
  return `Dropline: your pre-order of ${d.dropName} x${d.quantity} waits for pickup.`;
}

export function contactCodeEmail(d: ContactCodeData): RenderedMessage {
  const subject = `Your Dropline code: ${d.code}`;
  const text = [
    `Your code to confirm this email address on Dropline is ${d.code}.`,
    "",
    `Enter it where you gave this address. It works once, for ${d.minutes} minutes.`,
    "",
    "Did not ask for it? Ignore this email: nothing else is sent to this address unless the code is entered.",
    "",
    "Dropline",
  ].join("\n");
  const html = page(
    subject,
    [
      "<p>Your code to confirm this email address on Dropline is:</p>",
      `<p style="font-size:24px;letter-spacing:4px"><strong>${escapeHtml(d.code)}</strong></p>`,
      `<p>Enter it where you gave this address. It works once, for ${d.minutes} minutes.</p>`,
      "<p>Did not ask for it? Ignore this email: nothing else is sent to this address unless the code is entered.</p>",
    ].join("\n"),
  );
  return { subject, text, html };
}

/** Code first: phones show it in the notification, and some offer to fill it in. */
export function contactCodeSms(d: ContactCodeData): string {
  return `${d.code} is your Dropline code to confirm this number (${d.minutes} min). Not you? Ignore this text.`;
}

function row(label: string, value: string): string {
  return `<tr><td style="padding:2px 12px 2px 0;color:#555">${label}</td><td>${value}</td></tr>`;
}

function page(title: string, body: string): string {
  return [
    "<!doctype html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">',
    body,
    '<p style="color:#777">Dropline</p>',
    "</body></html>",
  ].join("\n");
}

/** Names and codes come from shoppers and admins: never markup. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
