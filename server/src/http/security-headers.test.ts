import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../test/server.js";

/** The page's Content-Security-Policy directives, by name. */
async function policyOf(server: TestServer, headers: Record<string, string> = {}): Promise<Map<string, string>> {
  const answer = await server.api.call("GET", "/", { headers });
  expect(answer.status).toBe(200);
  const policy = answer.headers.get("content-security-policy") ?? "";
  return new Map(
    policy
      .split(";")
      .map((directive) => directive.trim())
      .filter(Boolean)
      .map((directive) => [directive.split(/\s+/)[0]!, directive] as const),
  );
}

describe("upgrade-insecure-requests", () => {
  describe("by default", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ SERVE_CLIENT: "true" });
    });
    afterAll(() => server?.stop());

    it("is not sent with a page served over plain HTTP, whose scripts it would send to https://", async () => {
      const policy = await policyOf(server);
      expect(policy.has("upgrade-insecure-requests")).toBe(false);
      // The rest of the policy stays.
      expect(policy.get("default-src")).toBe("default-src 'self'");
      expect(policy.get("img-src")).toBe("img-src 'self' data: https:");
    });

    it("is not sent because a client not trusted as a proxy says https", async () => {
      const policy = await policyOf(server, { "x-forwarded-proto": "https" });
      expect(policy.has("upgrade-insecure-requests")).toBe(false);
    });
  });

  describe("behind a trusted proxy (TRUST_PROXY=1)", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ SERVE_CLIENT: "true", TRUST_PROXY: "1" });
    });
    afterAll(() => server?.stop());

    it("is sent when the proxy says the page went out over https", async () => {
      const policy = await policyOf(server, { "x-forwarded-proto": "https" });
      expect(policy.get("upgrade-insecure-requests")).toBe("upgrade-insecure-requests");
    });

    it("is not sent when the proxy says http", async () => {
      expect((await policyOf(server, { "x-forwarded-proto": "http" })).has("upgrade-insecure-requests")).toBe(false);
      expect((await policyOf(server)).has("upgrade-insecure-requests")).toBe(false);
    });
  });

  describe("with CSP_UPGRADE_INSECURE_REQUESTS=always", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ SERVE_CLIENT: "true", CSP_UPGRADE_INSECURE_REQUESTS: "always" });
    });
    afterAll(() => server?.stop());

    it("is sent on every page, for a TLS proxy that does not say so", async () => {
      expect((await policyOf(server)).get("upgrade-insecure-requests")).toBe("upgrade-insecure-requests");
    });
  });
});
