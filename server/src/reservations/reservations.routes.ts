import { Router } from "express";
import type { Services } from "../context.js";
import { requireShopper } from "../http/auth.js";
import { idempotent } from "../idempotency/idempotency.js";
import type { Limits } from "../http/rate-limit.js";
import { parse, pathId } from "../http/validate.js";
import { createReservationBody } from "./reservations.schemas.js";
import { cancelReservation, getReservation, takeHold } from "./reservations.service.js";

export function reservationRoutes(services: Services, limits: Limits): Router {
  const router = Router();
  router.post("/reservations", limits.writes, idempotent(services.db, services.ownerLock), async (req, res) => {
    const shopper = requireShopper(req);
    const result = await takeHold(services, shopper.id, parse(createReservationBody, req.body));
    res.status(result.created ? 201 : 200).json({ reservation: result.reservation });
  });
  router.get("/reservations/:id", limits.reads, async (req, res) => {
    const shopper = requireShopper(req);
    res.json({ reservation: await getReservation(services, shopper.id, pathId(req.params)) });
  });
  router.delete("/reservations/:id", limits.writes, async (req, res) => {
    const shopper = requireShopper(req);
    res.json({ reservation: await cancelReservation(services, shopper.id, pathId(req.params)) });
  });
  return router;
}
