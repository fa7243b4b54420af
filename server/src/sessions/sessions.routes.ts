import { Router } from "express";
import type { Services } from "../context.js";
import type { Secrets } from "../auth/secrets.js";
import { requireShopper } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { parse } from "../http/validate.js";
import { createSessionBody, updateMeBody } from "./sessions.schemas.js";
import { createSession, getMe, updateMe } from "./sessions.service.js";

export function sessionRoutes(services: Services, secrets: Secrets, limits: Limits): Router {
  const router = Router();
  router.post("/sessions", limits.sessions, async (req, res) => {
    const input = parse(createSessionBody, req.body);
    res.status(201).json(await createSession(services, secrets.sessionSecret, input));
  });
  router.get("/me", limits.reads, async (req, res) => {
    const shopper = requireShopper(req);
    res.json(await getMe(services, shopper.id));
  });
  router.patch("/me", limits.writes, async (req, res) => {
    const shopper = requireShopper(req);
    res.json(await updateMe(services, shopper.id, parse(updateMeBody, req.body)));
  });
  return router;
}
