import { Router } from "express";
import type { Services } from "../context.js";
import { optionalShopperId, requireAdmin } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { parse, pathId } from "../http/validate.js";
import { createDropBody, listDropsQuery, updateDropBody } from "./drops.schemas.js";
import { createDrop, getDrop, listDrops, updateDrop } from "./drops.service.js";

export function dropRoutes(services: Services, limits: Limits): Router {
  const router = Router();
  router.get("/drops", limits.reads, async (req, res) => {
    const query = parse(listDropsQuery, req.query, "query");
    res.json(await listDrops(services, { includeEnded: query.include === "ended", userId: optionalShopperId(req) }));
  });
  router.get("/drops/:id", limits.reads, async (req, res) => {
    res.json(await getDrop(services, pathId(req.params), optionalShopperId(req)));
  });
  router.post("/drops", limits.writes, async (req, res) => {
    requireAdmin(req);
    res.status(201).json(await createDrop(services, parse(createDropBody, req.body)));
  });
  router.patch("/drops/:id", limits.writes, async (req, res) => {
    requireAdmin(req);
    res.json(await updateDrop(services, pathId(req.params), parse(updateDropBody, req.body)));
  });
  return router;
}
