import type { RequestHandler } from "express";
import helmet from "helmet";
import type { Config } from "../config.js";

/**
 * Helmet's headers, with `upgrade-insecure-requests` only on pages served over HTTPS.
 * Over plain HTTP the directive sends every script and style to https://, where
 * nothing answers: http://<the machine's address>:3001/ stayed blank (only
 * localhost is spared, as a trustworthy origin). The request counts as HTTPS when
 * it came over TLS or, behind TRUST_PROXY, the proxy says so (X-Forwarded-Proto).
 */
export function securityHeaders(config: Config): RequestHandler[] {
  const policy = (upgrade: boolean) =>
    helmet.contentSecurityPolicy({
      directives: {
        // Drop images live on the shop's own https hosts (imageUrl is https-only); scripts and the rest stay 'self'.
        "img-src": ["'self'", "data:", "https:"],
        "upgrade-insecure-requests": upgrade ? [] : null,
      },
    });
  const overHttps = policy(true);
  const overHttp = policy(false);
  return [
    helmet({
      crossOriginResourcePolicy: config.corsOrigins.length > 0 ? { policy: "cross-origin" } : undefined,
      contentSecurityPolicy: false,
    }),
    (req, res, next) => (config.upgradeInsecureRequests === "always" || req.secure ? overHttps : overHttp)(req, res, next),
  ];
}
