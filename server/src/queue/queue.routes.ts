import { Router } from "express";
import type { Services } from "../context.js";
import { requireShopper } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { pathId } from "../http/validate.js";
import { getQueueEntry, joinQueue, leaveLine } from "./queue.service.js";

export function queueRoutes(services: Services, limits: Limits, options: { capPerIp: boolean }): Router {
  const router = Router();
  router.post("/drops/:id/queue", limits.writes, async (req, res) => {
    const shopper = requireShopper(req);
    // req.ip follows TRUST_PROXY, as the rate limits do.
    const result = await joinQueue(services, pathId(req.params), shopper.id, options.capPerIp ? (req.ip ?? null) : null);
    res.status(result.created ? 201 : 200).json(result.entry);
  });
  router.get("/drops/:id/queue/me", limits.reads, async (req, res) => {
    const shopper = requireShopper(req);
    res.json(await getQueueEntry(services, pathId(req.params), shopper.id));
  });
  router.delete("/drops/:id/queue/me", limits.writes, async (req, res) => {
    const shopper = requireShopper(req);
    res.json(await leaveLine(services, pathId(req.params), shopper.id));
  });
  return router;
}
