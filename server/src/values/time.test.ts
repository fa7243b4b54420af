import { describe, expect, it } from "vitest";
import { instant } from "./time.js";

describe("instants", () => {
  it("accepts ISO times with a zone", () => {
    expect(instant.parse("2026-12-01T18:00:00Z").toISOString()).toBe("2026-12-01T18:00:00.000Z");
    expect(instant.parse("2026-12-01T19:00:00+01:00").toISOString()).toBe("2026-12-01T18:00:00.000Z");
  });

  it.each([["2026-12-01T18:00:00"], ["tomorrow"], ["2026-13-01T00:00:00Z"], ["1999-12-31T23:59:59Z"], ["3000-01-01T00:00:00Z"], [1767225600000]])(
    "refuses %o",
    (input) => {
      expect(instant.safeParse(input).success).toBe(false);
    },
  );
});
