import { Router, type Request } from "express";
import type { Services } from "../context.js";
import { requireAdmin, requireShopper } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { parse, pathId } from "../http/validate.js";
import type { Checkpoint } from "./preorder-state.js";
import { adminPreordersQuery, placePreorderBody } from "./preorders.schemas.js";
import {
  adminListPreorders,
  cancelPreorder,
  checkpoint,
  compensationLog,
  getPreorder,
  placePreorder,
  startFulfillmentForDrop,
} from "./preorders.service.js";

/** The shopper who owns the order, or the admin. */
function ownerOrAdmin(req: Request): { admin: true } | { userId: string } {
  if (req.actor.kind === "admin") return { admin: true };
  return { userId: requireShopper(req).id };
}

export function preorderRoutes(services: Services, limits: Limits): Router {
  const router = Router();
  router.post("/preorders", limits.writes, async (req, res) => {
    const shopper = requireShopper(req);
    res.status(201).json({ preorder: await placePreorder(services, shopper, parse(placePreorderBody, req.body)) });
  });
  router.get("/preorders/:id", limits.reads, async (req, res) => {
    res.json({ preorder: await getPreorder(services, ownerOrAdmin(req), pathId(req.params)) });
  });
  router.post("/preorders/:id/cancel", limits.writes, async (req, res) => {
    res.json({ preorder: await cancelPreorder(services, ownerOrAdmin(req), pathId(req.params)) });
  });
  router.get("/preorders/:id/compensation-log", limits.reads, async (req, res) => {
    res.json(await compensationLog(services, ownerOrAdmin(req), pathId(req.params)));
  });
  router.get("/admin/preorders", limits.reads, async (req, res) => {
    requireAdmin(req);
    res.json({ preorders: await adminListPreorders(services, parse(adminPreordersQuery, req.query, "query")) });
  });
  for (const step of ["start-fulfillment", "picked-up", "delivered"] as const satisfies readonly Checkpoint[]) {
    router.post(`/admin/preorders/:id/${step}`, limits.writes, async (req, res) => {
      requireAdmin(req);
      res.json({ preorder: await checkpoint(services, pathId(req.params), step) });
    });
  }
  router.post("/admin/drops/:id/preorders/start-fulfillment", limits.writes, async (req, res) => {
    requireAdmin(req);
    res.json({ started: await startFulfillmentForDrop(services, pathId(req.params)) });
  });
  return router;
}
