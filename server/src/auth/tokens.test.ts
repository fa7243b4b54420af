import { describe, expect, it } from "vitest";
import { sameSecret, signShopperToken, verifyShopperToken } from "./tokens.js";

const secret = "a-session-secret-for-tests";
const shopper = { id: "3f1c7a52-2f4e-4a8e-9d61-0c7a5b2f9e10", username: "sneakerhead_01" };

describe("shopper tokens", () => {
  it("verify with the secret that signed them", () => {
    expect(verifyShopperToken(secret, signShopperToken(secret, shopper))).toEqual(shopper);
  });

  it.each([
    ["another secret", () => signShopperToken("another-secret-entirely", shopper)],
    ["a changed user id", () => signShopperToken(secret, shopper).replace(shopper.id, "3f1c7a52-2f4e-4a8e-9d61-0c7a5b2f9e11")],
    ["a changed username", () => signShopperToken(secret, shopper).replace("sneakerhead_01", "sneakerhead_02")],
    ["a cut signature", () => signShopperToken(secret, shopper).slice(0, -2)],
    ["garbage", () => "not-a-token"],
    ["an overlong token", () => "s1." + "x".repeat(500)],
  ])("refuse %s", (_name, token) => {
    expect(verifyShopperToken(secret, token())).toBeNull();
  });
});

describe("secret comparison", () => {
  it("matches equal secrets only", () => {
    expect(sameSecret("admin-token", "admin-token")).toBe(true);
    expect(sameSecret("admin-token", "admin-tokeN")).toBe(false);
    expect(sameSecret("", "admin-token")).toBe(false);
  });
});
