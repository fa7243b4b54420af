import type { OutboxMessage, OutboxResponse } from "../src/notifications/outbox.schemas.js";
import type { SessionResponse, User } from "../src/sessions/sessions.schemas.js";
import { ok, type Answer, type ApiClient } from "./api-client.js";
import { ADMIN_TOKEN } from "./env.js";

export interface ContactDetails {
  email?: string;
  phone?: string;
}

/** The outbox's code messages to `to`, newest first, as the admin reads them (rendered). */
export async function codeMessagesTo(api: ApiClient, to: string): Promise<OutboxMessage[]> {
  const { messages } = ok(await api.call<Answer<OutboxResponse>>("GET", "/api/admin/outbox", { token: ADMIN_TOKEN }), 200);
  return messages.filter((m) => m.template === "contact_code" && m.to === to);
}

/** The 6-digit code of the newest code message to `to`, read from its text as its owner would read it. */
export async function codeSentTo(api: ApiClient, to: string): Promise<string> {
  const [latest] = await codeMessagesTo(api, to);
  if (!latest) throw new Error(`no code was sent to ${to}`);
  const code = /\b(\d{6})\b/.exec(latest.body)?.[1];
  if (!code) throw new Error(`the code message to ${to} shows no 6-digit code: ${latest.body}`);
  return code;
}

export const verifyContact = (api: ApiClient, token: string, channel: "email" | "phone", code: string) =>
  api.call<Answer<{ user: User }>>("POST", `/api/me/${channel}/verify`, { token, body: { code } });

/**
 * Confirms the addresses the shopper has just set, with the codes the server
 * queued for them: what their owner does by reading the email or text.
 */
export async function confirmContact(api: ApiClient, token: string, contact: ContactDetails): Promise<User> {
  let user: User | undefined;
  for (const channel of ["email", "phone"] as const) {
    const address = contact[channel];
    if (!address) continue;
    user = ok(await verifyContact(api, token, channel, await codeSentTo(api, address)), 200).user;
  }
  if (!user) throw new Error("confirmContact needs an email or a phone");
  return user;
}

/** A new shopper whose email and phone (as given) are set and confirmed, so order messages reach them. */
export async function shopperWithContact(api: ApiClient, username: string, contact: ContactDetails): Promise<SessionResponse> {
  const session = ok(await api.call<Answer<SessionResponse>>("POST", "/api/sessions", { body: { username, ...contact } }), 201);
  if (!contact.email && !contact.phone) return session;
  return { ...session, user: await confirmContact(api, session.token, contact) };
}
