import { Router, type Response } from "express";
import { ipKeyGenerator } from "express-rate-limit";
import type { Services } from "../context.js";
import type { Secrets } from "../auth/secrets.js";
import { createCodeBudgets } from "../contacts/code-limits.js";
import { isAppError } from "../errors.js";
import { requireShopper } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { parse } from "../http/validate.js";
import { createSessionBody, updateMeBody, verifyCodeBody } from "./sessions.schemas.js";
import { createSession, getMe, updateMe, verifyContact, type ContactRequest } from "./sessions.service.js";

export function sessionRoutes(services: Services, secrets: Secrets, limits: Limits): Router {
  const router = Router();
  const budgets = createCodeBudgets(services.pool, services.config.rateLimits.enabled);
  // Keyed as the other per-IP limits are (an IPv6 client by its /56); req.ip honours TRUST_PROXY.
  const contactRequest = (ip: string | undefined): ContactRequest => ({ sessionSecret: secrets.sessionSecret, budgets, ipKey: ipKeyGenerator(ip ?? "unknown") });

  router.post("/sessions", limits.sessions, async (req, res) => {
    const input = parse(createSessionBody, req.body);
    res.status(201).json(await retryAfterOnRefusal(res, createSession(services, contactRequest(req.ip), input)));
  });
  router.get("/me", limits.reads, async (req, res) => {
    const shopper = requireShopper(req);
    res.json(await getMe(services, shopper.id));
  });
  router.patch("/me", limits.writes, async (req, res) => {
    const shopper = requireShopper(req);
    res.json(await retryAfterOnRefusal(res, updateMe(services, contactRequest(req.ip), shopper.id, parse(updateMeBody, req.body))));
  });
  for (const field of ["email", "phone"] as const) {
    router.post(`/me/${field}/verify`, limits.writes, async (req, res) => {
      const shopper = requireShopper(req);
      const { code } = parse(verifyCodeBody, req.body);
      res.json(await verifyContact(services, secrets.sessionSecret, shopper.id, field, code));
    });
  }
  return router;
}

/** A code budget's refusal carries its wait, sent as Retry-After like every other limit's. */
async function retryAfterOnRefusal<T>(res: Response, answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    const wait = isAppError(error) && error.code === "RATE_LIMITED" ? (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds : undefined;
    if (typeof wait === "number") res.set("Retry-After", String(wait));
    throw error;
  }
}
