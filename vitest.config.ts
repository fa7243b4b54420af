import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Unit and route tests sit beside their code; whole-system suites (crash, outage, fuzz, model) in server/test.
    include: ["server/src/**/*.test.ts", "server/test/**/*.test.ts", "client/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    globalSetup: ["server/test/global-setup.ts"],
    // Every file starts its own server on its own database; two cores run two files at once.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", "./server/test/summary-reporter.ts"],
  },
});
