import { Router } from "express";
import type { Services } from "../context.js";
import { requireShopper } from "../http/auth.js";
import { idempotent } from "../idempotency/idempotency.js";
import type { Limits } from "../http/rate-limit.js";
import { parse, pathId } from "../http/validate.js";
import { createPurchaseBody } from "./purchases.schemas.js";
import { getPurchase, purchaseHold } from "./purchases.service.js";

export function purchaseRoutes(services: Services, limits: Limits): Router {
  const router = Router();
  router.post("/purchases", limits.writes, idempotent(services.db, services.ownerLock), async (req, res) => {
    const shopper = requireShopper(req);
    const { reservationId, payment } = parse(createPurchaseBody, req.body);
    const result = await purchaseHold(services, shopper, reservationId, payment?.method);
    res.status(result.httpStatus).json({ purchase: result.purchase });
  });
  router.get("/purchases/:id", limits.reads, async (req, res) => {
    const shopper = requireShopper(req);
    res.json({ purchase: await getPurchase(services, shopper.id, pathId(req.params)) });
  });
  return router;
}
