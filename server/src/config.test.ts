import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { DEFAULT_FANOUT_WRITES_PER_SEC } from "./realtime/fanout-budget.js";

describe("configuration is parsed once and checked", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3001,
      holdSeconds: 60,
      expirySweepMs: 1000,
      seedDemo: true,
      trustProxy: false,
      corsOrigins: [],
      rateLimits: { enabled: true },
      http: { headersTimeoutMs: 20_000, requestTimeoutMs: 30_000, firstRequestTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 },
      upgradeInsecureRequests: "auto",
      fanoutWritesPerSec: DEFAULT_FANOUT_WRITES_PER_SEC,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads origins, proxy hops and switches", () => {
    const config = loadConfig({
      CORS_ORIGIN: "https://shop.example.com, http://localhost:5173",
      TRUST_PROXY: "1",
      RATE_LIMITS: "off",
      SEED_DEMO: "false",
      DATABASE_URL: "postgresql://u:p@db:5432/app",
    });
    expect(config.corsOrigins).toEqual(["https://shop.example.com", "http://localhost:5173"]);
    expect(config.trustProxy).toBe(1);
    expect(config.rateLimits.enabled).toBe(false);
    expect(config.seedDemo).toBe(false);
    expect(config.directUrl).toBe("postgresql://u:p@db:5432/app");
  });

  it("reads the connection limits", () => {
    const config = loadConfig({ HTTP_FIRST_REQUEST_TIMEOUT_MS: "2500", HTTP_KEEP_ALIVE_TIMEOUT_MS: "65000" });
    expect(config.http).toMatchObject({ firstRequestTimeoutMs: 2_500, keepAliveTimeoutMs: 65_000 });
  });

  it("reads the fan-out budget", () => {
    expect(loadConfig({ FANOUT_WRITES_PER_SEC: "2000" }).fanoutWritesPerSec).toBe(2_000);
  });

  it.each([
    [{ PORT: "http" }, "PORT"],
    [{ HOLD_SECONDS: "5" }, "HOLD_SECONDS"],
    [{ CORS_ORIGIN: "https://shop.example.com/" }, "CORS_ORIGIN"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ RATE_LIMITS: "maybe" }, "RATE_LIMITS"],
    [{ NODE_ENV: "production" }, "ADMIN_TOKEN and SESSION_SECRET are required"],
    [{ NODE_ENV: "production", ADMIN_TOKEN: "a".repeat(16), SESSION_SECRET: "s".repeat(16) }, "DATABASE_URL is required when NODE_ENV=production"],
    [{ HTTP_HEADERS_TIMEOUT_MS: "5000", HTTP_REQUEST_TIMEOUT_MS: "1000" }, "HTTP_HEADERS_TIMEOUT_MS must not be longer"],
    [{ HTTP_FIRST_REQUEST_TIMEOUT_MS: "0" }, "HTTP_FIRST_REQUEST_TIMEOUT_MS"],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: "5s" }, "HTTP_KEEP_ALIVE_TIMEOUT_MS"],
    [{ CSP_UPGRADE_INSECURE_REQUESTS: "yes" }, "CSP_UPGRADE_INSECURE_REQUESTS"],
    [{ FANOUT_WRITES_PER_SEC: "0" }, "FANOUT_WRITES_PER_SEC"],
    [{ FANOUT_WRITES_PER_SEC: "fast" }, "FANOUT_WRITES_PER_SEC"],
  ])("refuses %o, naming %s", (env, named) => {
    expect(() => loadConfig(env)).toThrow(named);
  });
});
