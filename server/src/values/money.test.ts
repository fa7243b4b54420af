import { describe, expect, it } from "vitest";
import { money, multiplyMoney } from "./money.js";

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

  it.each([
    ["10.00", 1, "10.00"],
    ["10.01", 3, "30.03"],
    ["199.99", 2, "399.98"],
    ["0.05", 100, "5.00"],
    ["9999999999.99", 100, "999999999999.00"],
  ])("multiplies %s by %i exactly: %s", (amount, times, expected) => {
    expect(multiplyMoney(amount, times)).toBe(expected);
  });
});
