import path from "node:path";
import { z } from "zod";
import { DEFAULT_FANOUT_WRITES_PER_SEC } from "./realtime/fanout-budget.js";

const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "on", "off", "1", "0", "yes", "no"])
    .optional()
    .transform((value) => (value === undefined ? fallback : ["true", "on", "1", "yes"].includes(value)));

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

const origin = z
  .string()
  .trim()
  .refine((value) => /^https?:\/\/[^/\s]+$/.test(value), "must be an origin like https://shop.example.com (no path, no trailing slash)");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL").optional(),
  DIRECT_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL").optional(),
  DATA_DIR: z.string().default("./.data"),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  SESSION_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  CORS_ORIGIN: z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(origin)),
  HOLD_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  EXPIRY_SWEEP_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  TRUST_PROXY: z.string().optional(),
  CSP_UPGRADE_INSECURE_REQUESTS: z.enum(["auto", "always"], { message: 'must be "auto" or "always"' }).default("auto"),
  RATE_LIMITS: flag(true),
  RATE_LIMIT_SESSIONS_PER_MIN: perMinute(30),
  RATE_LIMIT_WRITES_PER_MIN: perMinute(120),
  RATE_LIMIT_READS_PER_MIN: perMinute(1200),
  RATE_LIMIT_ADMIN_WRITES_PER_MIN: perMinute(1200),
  SOCKET_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(200),
  QUEUE_ENTRIES_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(20),
  QUEUE_TICK_MS: z.coerce.number().int().min(10).max(5_000).default(100),
  FANOUT_WRITES_PER_SEC: z.coerce.number().int().min(100).max(10_000_000).default(DEFAULT_FANOUT_WRITES_PER_SEC),
  // No default here: production must name its provider (see loadConfig), development falls back to "simulated".
  PAYMENT_PROVIDER: z.enum(["simulated", "stripe"], { message: "must be \"simulated\" or \"stripe\"" }).optional(),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\S+$/, "must be a Stripe secret key (sk_test_..., sk_live_...) or restricted key (rk_...)").optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\S+$/, "must be the webhook endpoint's signing secret (whsec_...)").optional(),
  STRIPE_CURRENCY: z.string().trim().toLowerCase().regex(/^[a-z]{3}$/, "must be a three-letter ISO currency code, like eur").default("eur"),
  STRIPE_API_BASE: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// origin, like http://127.0.0.1:12111" }).optional(),
  PAYMENT_DECLINE_RATE: z.coerce.number().min(0).max(1).default(0),
  SIMULATED_SLOW_MS: z.coerce.number().int().min(0).max(60_000).default(8_000),
  PAYMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  CHECKOUT_RECOVERY_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL, like smtps://user:password@smtp.example.com:465").optional(),
  MAIL_FROM: z.string().trim().min(3).max(254).default("Dropline <no-reply@dropline.local>"),
  SMS_PROVIDER: z.enum(["webhook"], { message: "the one SMS adapter built so far is \"webhook\" (leave unset to keep SMS in the outbox)" }).optional(),
  SMS_WEBHOOK_URL: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" }).optional(),
  OUTBOX_RELAY_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  HTTP_FIRST_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  SOCKET_ADAPTER: z.enum(["postgres", "local"]).optional(),
  SEED_DEMO: flag(true),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  HOLD_CONCURRENCY_PER_DROP: z.coerce.number().int().min(1).max(500).default(8),
  SERVE_CLIENT: flag(true),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Config = Readonly<{
  env: "development" | "production" | "test";
  port: number;
  host: string;
  databaseUrl?: string;
  directUrl?: string;
  dataDir: string;
  adminToken?: string;
  sessionSecret?: string;
  metricsToken?: string;
  corsOrigins: readonly string[];
  holdSeconds: number;
  expirySweepMs: number;
  trustProxy: boolean | number | string;
  /**
   * "auto": the page's security policy tells browsers to upgrade http:// to https:// only when
   * the page itself came over HTTPS (req.secure); "always": on every page, for a TLS proxy that
   * does not say so. Over plain HTTP the upgrade leaves the page blank.
   */
  upgradeInsecureRequests: "auto" | "always";
  rateLimits: Readonly<{
    enabled: boolean;
    sessionsPerMinute: number;
    writesPerMinute: number;
    readsPerMinute: number;
    adminWritesPerMinute: number;
    socketConnectionsPerIp: number;
    /** Waiting-room entries per drop from one client address. */
    queueEntriesPerIp: number;
  }>;
  /** How often the admission leader lets people in: each tick admits one small batch. */
  queueTickMs: number;
  /**
   * Broadcast socket writes per second of each server process, shared by every broadcast stream
   * (realtime/fanout-budget.ts): a drop's interval grows with its audience above it.
   */
  fanoutWritesPerSec: number;
  payments: Readonly<{
    provider: "simulated" | "stripe";
    declineRate: number;
    /** How long the simulated provider's sim_slow takes (8 s, as documented; tests shorten it). */
    simulatedSlowMs: number;
    stripe?: StripeConfig;
  }>;
  checkout: Readonly<{
    /** How long a purchase request waits for its payment before answering 202 "processing". */
    paymentTimeoutMs: number;
    /** When the resume job first looks at a checkout (and ends it if nothing else did: a crash, a lost request). */
    recoveryMs: number;
  }>;
  notifications: Readonly<{
    /** Unset: email is kept in the outbox, never sent. */
    smtpUrl?: string;
    mailFrom: string;
    /** Unset: SMS is kept in the outbox, never sent. */
    sms?: Readonly<{ provider: "webhook"; webhookUrl: string }>;
    /** How often each process hands new outbox messages to the job engine. */
    relayMs: number;
  }>;
  /** Server processes `npm start` runs on this machine (node:cluster), sharing one port. */
  webConcurrency: number;
  /**
   * "postgres": Socket.IO events cross processes and instances through
   * @socket.io/postgres-adapter on DIRECT_URL; "local": this process's sockets
   * are the whole audience (one process on the embedded database).
   */
  socketAdapter: "postgres" | "local";
  http: Readonly<{
    /** Slow clients: how long a request's headers, and the whole request, may take to arrive. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** Silent clients: how long a new connection may go without sending a byte. */
    firstRequestTimeoutMs: number;
    /** How long a connection may wait idle, between one answer and its next request. */
    keepAliveTimeoutMs: number;
  }>;
  seedDemo: boolean;
  dbPoolSize: number;
  holdConcurrencyPerDrop: number;
  serveClient: boolean;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
}>;

export type StripeConfig = Readonly<{
  secretKey: string;
  webhookSecret: string;
  currency: string;
  /** Where the Stripe API is (a local stand-in in tests); unset: Stripe itself. */
  apiBase?: Readonly<{ protocol: "http" | "https"; host: string; port: number }>;
}>;

/** Parses the environment once at start-up; a bad value stops the server with a list of what to fix. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === "production" && (!e.ADMIN_TOKEN || !e.SESSION_SECRET)) {
    throw new Error("Invalid configuration:\n  ADMIN_TOKEN and SESSION_SECRET are required when NODE_ENV=production");
  }
  // The embedded database is for trying Dropline out; in production it would quietly keep orders on local disk.
  if (e.NODE_ENV === "production" && !e.DATABASE_URL) {
    throw new Error("Invalid configuration:\n  DATABASE_URL is required when NODE_ENV=production (the embedded database is for development only)");
  }
  // The simulator approves sim_ok for nothing: a production server must say which provider it means, and never fall into it.
  if (e.NODE_ENV === "production" && !e.PAYMENT_PROVIDER) {
    throw new Error(
      "Invalid configuration:\n  PAYMENT_PROVIDER is required when NODE_ENV=production: \"stripe\" to take real payments (with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET), or \"simulated\" for a demo that takes no money",
    );
  }
  if (e.PAYMENT_PROVIDER === "stripe" && (!e.STRIPE_SECRET_KEY || !e.STRIPE_WEBHOOK_SECRET)) {
    throw new Error("Invalid configuration:\n  STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required when PAYMENT_PROVIDER=stripe");
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new Error("Invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS");
  }
  if (e.SMS_PROVIDER === "webhook" && !e.SMS_WEBHOOK_URL) {
    throw new Error("Invalid configuration:\n  SMS_WEBHOOK_URL is required when SMS_PROVIDER=webhook");
  }
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    directUrl: e.DIRECT_URL ?? e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    adminToken: e.ADMIN_TOKEN,
    sessionSecret: e.SESSION_SECRET,
    metricsToken: e.METRICS_TOKEN,
    corsOrigins: Object.freeze(e.CORS_ORIGIN),
    holdSeconds: e.HOLD_SECONDS,
    expirySweepMs: e.EXPIRY_SWEEP_MS,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    upgradeInsecureRequests: e.CSP_UPGRADE_INSECURE_REQUESTS,
    rateLimits: Object.freeze({
      enabled: e.RATE_LIMITS,
      sessionsPerMinute: e.RATE_LIMIT_SESSIONS_PER_MIN,
      writesPerMinute: e.RATE_LIMIT_WRITES_PER_MIN,
      readsPerMinute: e.RATE_LIMIT_READS_PER_MIN,
      adminWritesPerMinute: e.RATE_LIMIT_ADMIN_WRITES_PER_MIN,
      socketConnectionsPerIp: e.SOCKET_CONNECTIONS_PER_IP,
      queueEntriesPerIp: e.QUEUE_ENTRIES_PER_IP,
    }),
    queueTickMs: e.QUEUE_TICK_MS,
    fanoutWritesPerSec: e.FANOUT_WRITES_PER_SEC,
    payments: Object.freeze({
      provider: e.PAYMENT_PROVIDER ?? "simulated",
      declineRate: e.PAYMENT_DECLINE_RATE,
      simulatedSlowMs: e.SIMULATED_SLOW_MS,
      stripe:
        e.PAYMENT_PROVIDER === "stripe" && e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
          ? Object.freeze({
              secretKey: e.STRIPE_SECRET_KEY,
              webhookSecret: e.STRIPE_WEBHOOK_SECRET,
              currency: e.STRIPE_CURRENCY,
              apiBase: e.STRIPE_API_BASE ? parseApiBase(e.STRIPE_API_BASE) : undefined,
            })
          : undefined,
    }),
    checkout: Object.freeze({ paymentTimeoutMs: e.PAYMENT_TIMEOUT_MS, recoveryMs: e.CHECKOUT_RECOVERY_MS }),
    notifications: Object.freeze({
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM,
      sms: e.SMS_PROVIDER === "webhook" && e.SMS_WEBHOOK_URL ? Object.freeze({ provider: e.SMS_PROVIDER, webhookUrl: e.SMS_WEBHOOK_URL }) : undefined,
      relayMs: e.OUTBOX_RELAY_MS,
    }),
    http: Object.freeze({
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      firstRequestTimeoutMs: e.HTTP_FIRST_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    }),
    webConcurrency: e.WEB_CONCURRENCY,
    // Another process can share the database whenever it is not this process's own embedded one.
    socketAdapter: e.SOCKET_ADAPTER ?? (e.DATABASE_URL || e.WEB_CONCURRENCY > 1 ? "postgres" : "local"),
    seedDemo: e.SEED_DEMO,
    dbPoolSize: e.DB_POOL_SIZE,
    holdConcurrencyPerDrop: e.HOLD_CONCURRENCY_PER_DROP,
    serveClient: e.SERVE_CLIENT,
    logLevel: e.LOG_LEVEL,
  });
}

/** Express's `trust proxy`: a hop count ("1"), "true"/"false", or a list of addresses/subnets. */
function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function parseApiBase(value: string): StripeConfig["apiBase"] {
  const url = new URL(value);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return Object.freeze({ protocol, host: url.hostname, port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443 });
}
