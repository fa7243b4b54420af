import { describe, expect, it } from "vitest";
import { instant, money } from "./schema-parts.js";

describe("money", () => {
  it.each([
    ["199.99", "199.99"],
    [199.99, "199.99"],
    ["10", "10.00"],
    [10.5, "10.50"],
    ["0007.5", "7.50"],
    ["9999999999.99", "9999999999.99"],
  ])("accepts %o as %s", (input, expected) => {
    expect(money.parse(input)).toBe(expected);
  });

  it.each([["0"], [0], ["-1"], [-5], ["1.999"], [0.1 + 0.2], ["abc"], [""], [1e21], [Number.NaN], [true], ["12345678901"]])("refuses %o", (input) => {
    expect(money.safeParse(input).success).toBe(false);
  });
});

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
