import { Router } from "express";
import type { Services } from "../context.js";
import { requireAdmin } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { parse } from "../http/validate.js";
import { listMessages, type OutboxRow } from "./outbox.sql.js";
import { outboxQuery, type OutboxMessage, type OutboxResponse } from "./outbox.schemas.js";
import { renderMessage } from "./templates.js";
import { errorMessage } from "../errors.js";

/** The admin's view of the outbox: the latest 200 messages, as they read. */
export function outboxRoutes(services: Services, limits: Limits): Router {
  const router = Router();
  router.get("/admin/outbox", limits.reads, async (req, res) => {
    requireAdmin(req);
    const { status } = parse(outboxQuery, req.query, "query");
    const rows = await listMessages(services.pool, status, 200);
    const body: OutboxResponse = { messages: rows.map(toOutboxMessage) };
    res.json(body);
  });
  return router;
}

export function toOutboxMessage(row: OutboxRow): OutboxMessage {
  let rendered: { subject?: string; text: string; html?: string };
  try {
    rendered = renderMessage(row.template, row.channel, row.data);
  } catch (error) {
    // Shown, not hidden: the worker fails such a message too, with the same reason.
    rendered = { text: `(cannot render: ${errorMessage(error)})` };
  }
  return {
    id: row.id,
    channel: row.channel,
    template: row.template,
    to: row.recipient,
    ...(rendered.subject !== undefined && { subject: rendered.subject }),
    body: rendered.text,
    ...(rendered.html !== undefined && { html: rendered.html }),
    status: row.status,
    attempts: row.attempts,
    ...(row.last_error !== null && { lastError: row.last_error }),
    createdAt: row.created_at.toISOString(),
    ...(row.sent_at !== null && { sentAt: row.sent_at.toISOString() }),
    ...(row.reservation_id !== null && { reservationId: row.reservation_id }),
  };
}
