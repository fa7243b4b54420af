export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const SESSION_SECRET = "test-session-secret-0123456789";

/**
 * The environment of every server a test starts, in-process or as a child
 * process: known secrets, no rate limits, no demo drops, no client bundle and
 * a quick sweeper. A test passes what it is about (DATABASE_URL, RATE_LIMITS,
 * EXPIRY_SWEEP_MS, ...) as overrides, which win.
 */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    ADMIN_TOKEN,
    SESSION_SECRET,
    SEED_DEMO: "false",
    RATE_LIMITS: "off",
    SERVE_CLIENT: "false",
    DB_POOL_SIZE: "20",
    EXPIRY_SWEEP_MS: "250",
    ...overrides,
  };
}
