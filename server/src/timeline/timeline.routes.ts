import { Router } from "express";
import type { Services } from "../context.js";
import { requireAdmin, requireShopper } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { parse, pathId } from "../http/validate.js";
import { failuresQuery } from "./timeline.schemas.js";
import { getFailures, getTimeline } from "./timeline.service.js";

export function timelineRoutes(services: Services, limits: Limits): Router {
  const router = Router();
  router.get("/reservations/:id/timeline", limits.reads, async (req, res) => {
    const shopper = requireShopper(req);
    res.json({ events: await getTimeline(services.pool, pathId(req.params), shopper.id) });
  });
  router.get("/admin/reservations/:id/timeline", limits.reads, async (req, res) => {
    requireAdmin(req);
    res.json({ events: await getTimeline(services.pool, pathId(req.params)) });
  });
  router.get("/admin/failures", limits.reads, async (req, res) => {
    requireAdmin(req);
    const { sinceSeconds } = parse(failuresQuery, req.query, "query");
    res.json(await getFailures(services.pool, sinceSeconds, services.clock.now()));
  });
  return router;
}
