import { Router } from "express";
import type { Services } from "../context.js";
import { requireAdmin } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { auditStock } from "./audit.js";

export function auditRoutes(services: Services, limits: Limits): Router {
  const router = Router();
  router.get("/admin/audit", limits.reads, async (req, res) => {
    requireAdmin(req);
    res.json(await auditStock(services.db));
  });
  return router;
}
