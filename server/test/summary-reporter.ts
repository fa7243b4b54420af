import type { Reporter, TestModule } from "vitest/node";

type UnhandledError = { name?: string; message?: string; stack?: string; type?: string; VITEST_TEST_PATH?: string };

/**
 * CI reads one closing line: `tests: N passed, M failed`. An error thrown
 * outside any test (an unhandled rejection) fails the run as a test would, so
 * it counts as a failure here too, and its message and first stack lines are
 * printed just above the line: the end of the log is what is always kept.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<UnhandledError> = []) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      // A file that failed to load has no tests but must still count as a failure.
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) failed++;
    }
    for (const error of unhandledErrors) {
      const where = error.VITEST_TEST_PATH ? ` (while ${error.VITEST_TEST_PATH.replace(`${process.cwd()}/`, "")} ran)` : "";
      const stack = (error.stack ?? "").split("\n").slice(1, 6).join("\n");
      process.stdout.write(`\n${error.type ?? "Unhandled error"}${where}: ${error.name ?? "Error"}: ${error.message ?? ""}\n${stack}\n`);
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
  }
}
