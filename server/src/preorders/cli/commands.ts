// Each pre-order command: which route it calls, with whose token, and what it prints.
import { randomUUID } from "node:crypto";
import { adminToken, adminTokenIfKnown, savedShopper, saveShopper } from "./credentials.js";
import { compensationLogAsText, preordersAsText, preorderAsText, type CompensationLogEntry, type Preorder } from "./format.js";
import { callApi, UsageError } from "./http.js";

export interface CommandContext {
  url: string;
  env: NodeJS.ProcessEnv;
  options: {
    json: boolean;
    admin: boolean;
    adminToken?: string;
    token?: string;
    quantity?: number;
    method?: string;
    username?: string;
    email?: string;
    phone?: string;
    idempotencyKey?: string;
    drop?: string;
    status?: string;
  };
  /** The pre-order (or drop) id after the command's name. */
  id?: string;
  print(text: string): void;
  /** Notes beside the answer: on stdout for people, on stderr under --json so that stdout stays one JSON document. */
  note(text: string): void;
  /** Set when the token came from the saved shopper, so a refusal can say whose token it was. */
  tokenFrom?: string;
}

type PreorderAnswer = { preorder: Preorder };

const preorderPath = (id: string) => `/api/preorders/${encodeURIComponent(id)}`;
const adminPreorderPath = (id: string) => `/api/admin/preorders/${encodeURIComponent(id)}`;

function show(ctx: CommandContext, answer: PreorderAnswer, headline: string): void {
  if (ctx.options.json) ctx.print(JSON.stringify(answer, null, 2) + "\n");
  else ctx.print(`${headline ? `${headline}\n` : ""}${preorderAsText(answer.preorder, Date.now())}`);
}

/** A shopper's token for commands the owner (or the admin) may run: --token, --admin, the saved shopper, else the admin. */
async function ownerOrAdminToken(ctx: CommandContext, adminAsLastResort: boolean): Promise<string> {
  if (ctx.options.token) return ctx.options.token;
  if (ctx.options.admin) return adminToken(ctx.options.adminToken, ctx.env);
  const shopper = await savedShopper(ctx.env, ctx.url);
  if (shopper) {
    ctx.tokenFrom = `shopper ${shopper.username}, saved by place --username`;
    return shopper.token;
  }
  const admin = adminAsLastResort ? await adminTokenIfKnown(ctx.options.adminToken, ctx.env) : undefined;
  if (admin) return admin;
  throw new UsageError(`no shopper token: pass --token, or place an order with --username first${adminAsLastResort ? "" : ", or --admin to act as the admin"}`);
}

export async function place(ctx: CommandContext): Promise<void> {
  const { options } = ctx;
  let token = options.token;
  if (!token && options.username) {
    const session = await callApi<{ token: string; user: { username: string } }>(ctx.url, "POST", "/api/sessions", {
      body: { username: options.username, ...(options.email && { email: options.email }), ...(options.phone && { phone: options.phone }) },
    });
    token = session.token;
    const file = await saveShopper(ctx.env, { url: ctx.url, username: session.user.username, token });
    ctx.note(`Shopper ${session.user.username}, token ${token}\n  (saved in ${file}: status, cancel and compensation-log use it when no --token is given)\n`);
  }
  if (!token) {
    const shopper = await savedShopper(ctx.env, ctx.url);
    if (!shopper) throw new UsageError("place needs a shopper: --username NAME (a new session) or --token TOKEN");
    token = shopper.token;
    ctx.tokenFrom = `shopper ${shopper.username}, saved by place --username`;
  }
  // One key per order: repeating the command with it answers with the same order instead of paying twice.
  const idempotencyKey = options.idempotencyKey ?? randomUUID();
  const body = { dropId: ctx.id, ...(options.quantity !== undefined && { quantity: options.quantity }), ...(options.method && { payment: { method: options.method } }) };
  let answer: PreorderAnswer;
  try {
    answer = await callApi<PreorderAnswer>(ctx.url, "POST", "/api/preorders", { token, body, idempotencyKey });
  } catch (error) {
    if (error instanceof UsageError) {
      throw new UsageError(
        `${error.message}\nThe order may or may not have been placed: repeat the command with --idempotency-key ${idempotencyKey}${options.username ? " (and --token instead of --username)" : ""} to find out without paying twice.`,
      );
    }
    throw error;
  }
  show(ctx, answer, "Pre-order placed and paid.");
}

export async function status(ctx: CommandContext): Promise<void> {
  const token = await ownerOrAdminToken(ctx, true);
  show(ctx, await callApi<PreorderAnswer>(ctx.url, "GET", preorderPath(ctx.id!), { token }), "");
}

export async function cancel(ctx: CommandContext): Promise<void> {
  // No silent fall-back to the admin: the admin may cancel later in an order's life than its owner, so that is asked for.
  const token = await ownerOrAdminToken(ctx, false);
  show(ctx, await callApi<PreorderAnswer>(ctx.url, "POST", `${preorderPath(ctx.id!)}/cancel`, { token }), "Cancelled: the units go back to stock and the payment is refunded.");
}

export async function compensationLog(ctx: CommandContext): Promise<void> {
  const token = await ownerOrAdminToken(ctx, true);
  const answer = await callApi<{ entries: CompensationLogEntry[] }>(ctx.url, "GET", `${preorderPath(ctx.id!)}/compensation-log`, { token });
  ctx.print(ctx.options.json ? JSON.stringify(answer, null, 2) + "\n" : compensationLogAsText(ctx.id!, answer.entries, Date.now()));
}

/** The admin's checkpoints, in the words the command line uses for them. */
const checkpoints = {
  "start-fulfillment": { route: "start-fulfillment", headline: "Fulfilment started: the shopper is reminded to pick it up." },
  "item-picked": { route: "picked-up", headline: "Pickup recorded." },
  "confirm-delivery": { route: "delivered", headline: "Delivery confirmed." },
} as const;

export async function checkpoint(ctx: CommandContext, command: keyof typeof checkpoints): Promise<void> {
  const token = await adminToken(ctx.options.adminToken, ctx.env);
  if (command === "start-fulfillment" && ctx.options.drop) {
    const answer = await callApi<{ started: number }>(ctx.url, "POST", `/api/admin/drops/${encodeURIComponent(ctx.options.drop)}/preorders/start-fulfillment`, { token });
    ctx.print(ctx.options.json ? JSON.stringify(answer, null, 2) + "\n" : `Fulfilment started for ${answer.started} pre-order(s) of drop ${ctx.options.drop}.\n`);
    return;
  }
  const { route, headline } = checkpoints[command];
  show(ctx, await callApi<PreorderAnswer>(ctx.url, "POST", `${adminPreorderPath(ctx.id!)}/${route}`, { token }), headline);
}

export async function list(ctx: CommandContext): Promise<void> {
  const token = await adminToken(ctx.options.adminToken, ctx.env);
  const query = new URLSearchParams();
  if (ctx.options.drop) query.set("dropId", ctx.options.drop);
  if (ctx.options.status) query.set("status", ctx.options.status);
  const answer = await callApi<{ preorders: Preorder[] }>(ctx.url, "GET", `/api/admin/preorders${query.size > 0 ? `?${query}` : ""}`, { token });
  ctx.print(ctx.options.json ? JSON.stringify(answer, null, 2) + "\n" : preordersAsText(answer.preorders, Date.now()));
}
