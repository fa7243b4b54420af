import { Router } from "express";
import type { Services } from "../context.js";
import { requireAdmin, requireShopper } from "../http/auth.js";
import type { Limits } from "../http/rate-limit.js";
import { checkIn, ticketQrSvg } from "./tickets.service.js";

export function ticketRoutes(services: Services, limits: Limits): Router {
  const router = Router();
  router.get("/tickets/:code/qr.svg", limits.reads, async (req, res) => {
    const shopper = requireShopper(req);
    const svg = await ticketQrSvg(services, shopper.id, String(req.params.code));
    res.type("image/svg+xml").send(svg);
  });
  router.post("/admin/tickets/:code/check-in", limits.writes, async (req, res) => {
    requireAdmin(req);
    res.json({ ticket: await checkIn(services, String(req.params.code)) });
  });
  return router;
}
