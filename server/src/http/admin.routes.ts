import { Router } from "express";
import { requireAdmin } from "./auth.js";
import type { Limits } from "./rate-limit.js";

/** Lets the admin page check a token without side effects; wrong guesses draw on the failed-auth budget. */
export function adminRoutes(limits: Limits): Router {
  const router = Router();
  router.get("/admin/whoami", limits.failedAuth, (req, res) => {
    requireAdmin(req);
    res.json({ role: "admin" });
  });
  return router;
}
