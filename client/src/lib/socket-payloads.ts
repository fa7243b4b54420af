import { z } from "zod";
import { preorderSchema } from "../../../server/src/preorders/preorders.schemas";
import { purchaseSchema } from "../../../server/src/purchases/purchases.schemas";
import {
  publicDropSchema,
  purchaseCompletedSchema,
  queueAdmittedSchema,
  queueUpdatedSchema,
  reservationExpiredSchema,
  reservationUpdatedSchema,
  stockUpdatedSchema,
  type ServerToClientEvents,
} from "../../../server/src/realtime/events";

type EventName = keyof ServerToClientEvents;
export type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

// The server's own schemas, the one description of each payload: a change there is checked here too.
const schemas: { [E in EventName]: z.ZodType<Payload<E>> } = {
  stockUpdated: stockUpdatedSchema,
  purchaseCompleted: purchaseCompletedSchema,
  dropCreated: publicDropSchema,
  dropUpdated: publicDropSchema,
  reservationExpired: reservationExpiredSchema,
  reservationUpdated: reservationUpdatedSchema,
  queueUpdated: queueUpdatedSchema,
  queueAdmitted: queueAdmittedSchema,
  // The server declares this payload as a type only; its purchase part is the schema the routes answer with.
  purchaseUpdated: z.object({ purchase: purchaseSchema }),
  preorderUpdated: z.object({ preorder: preorderSchema }),
};

export type PayloadCheck = { ok: true; payload: unknown } | { ok: false; problem: string };

/** The payload as the schema reads it, or what is wrong with it (first issue only: it goes to a log line). */
export function checkPayload(event: EventName, payload: unknown): PayloadCheck {
  const result = schemas[event].safeParse(payload);
  if (result.success) return { ok: true, payload: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: issue ? `${issue.path.join(".") || "payload"}: ${issue.message}` : "does not match" };
}
