import { z } from "zod";

export const outboxStatus = z.enum(["pending", "sent", "failed"], { message: 'must be one of "pending", "sent", "failed"' });

export const outboxQuery = z.object({ status: outboxStatus.optional() });
export type OutboxQuery = z.infer<typeof outboxQuery>;

/** One outbox message as the admin page shows it, rendered as it was (or will be) sent. */
export const outboxMessageSchema = z.object({
  id: z.string(),
  channel: z.enum(["email", "sms"]),
  template: z.string(),
  to: z.string(),
  subject: z.string().optional(),
  body: z.string(),
  /** The email's HTML part. */
  html: z.string().optional(),
  status: outboxStatus,
  attempts: z.number().int(),
  lastError: z.string().optional(),
  createdAt: z.string(),
  sentAt: z.string().optional(),
  reservationId: z.string().optional(),
});
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

export const outboxResponse = z.object({ messages: z.array(outboxMessageSchema) });
export type OutboxResponse = z.infer<typeof outboxResponse>;
