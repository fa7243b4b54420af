import type { NextFunction, Request, Response } from "express";
import { AppError } from "../errors.js";
import { sameSecret, verifyShopperToken, type ShopperIdentity } from "../auth/tokens.js";
import type { Secrets } from "../auth/secrets.js";

export type Actor =
  | { kind: "anonymous" }
  | { kind: "invalid" }
  | { kind: "admin" }
  | { kind: "shopper"; shopper: ShopperIdentity };

declare module "express-serve-static-core" {
  interface Request {
    actor: Actor;
  }
}

/** Works out who is calling from `Authorization: Bearer ...`; the routes decide what that may do. */
export function identify(secrets: Secrets) {
  return (req: Request, _res: Response, next: NextFunction) => {
    req.actor = actorFor(secrets, req.headers.authorization);
    next();
  };
}

export function actorFor(secrets: Secrets, header: string | undefined): Actor {
  if (!header) return { kind: "anonymous" };
  const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header.trim());
  if (!match) return { kind: "invalid" };
  const token = match[1]!;
  if (sameSecret(token, secrets.adminToken)) return { kind: "admin" };
  const shopper = verifyShopperToken(secrets.sessionSecret, token);
  return shopper ? { kind: "shopper", shopper } : { kind: "invalid" };
}

export function requireShopper(req: Request): ShopperIdentity {
  const actor = req.actor;
  if (actor.kind === "shopper") return actor.shopper;
  if (actor.kind === "admin") throw new AppError("FORBIDDEN", "The admin token cannot act as a shopper; create a session.");
  throw new AppError("UNAUTHENTICATED", "Send a shopper token from POST /api/sessions as 'Authorization: Bearer <token>'.");
}

export function requireAdmin(req: Request): void {
  const actor = req.actor;
  if (actor.kind === "admin") return;
  if (actor.kind === "shopper") throw new AppError("FORBIDDEN", "This route needs the admin token.");
  throw new AppError("UNAUTHENTICATED", "Send the admin token as 'Authorization: Bearer <ADMIN_TOKEN>'.");
}

/** The shopper's id when a valid shopper token came with the request, for the `my*` fields. */
export const optionalShopperId = (req: Request) => (req.actor.kind === "shopper" ? req.actor.shopper.id : undefined);
