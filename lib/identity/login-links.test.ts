import { describe, expect, it } from "vitest";
import { checkLoginToken, deriveLoginToken } from "./login-links";

const KEY = "k".repeat(43);

describe("sign-in links derived from the dashboard's token", () => {
  it("check out under the same token until they expire, each with its own key", () => {
    const now = 1_000_000;
    const a = deriveLoginToken(KEY, 60_000, now);
    const b = deriveLoginToken(KEY, 60_000, now);
    const ca = checkLoginToken(KEY, a, now + 59_000);
    const cb = checkLoginToken(KEY, b, now);
    expect(ca.ok && cb.ok && ca.key !== cb.key).toBe(true);
    expect(checkLoginToken(KEY, a, now + 60_000)).toEqual({ ok: false, why: "expired" });
  });

  it.each([
    ["another token's link", () => deriveLoginToken("o".repeat(43), 60_000), "not signed by this dashboard"],
    [
      "a changed expiry",
      () => deriveLoginToken(KEY, 60_000).replace(/^l1\.\d/, "l1.9"),
      "not signed by this dashboard",
    ],
    ["a cut signature", () => deriveLoginToken(KEY, 60_000).slice(0, -2), "not signed by this dashboard"],
    ["the token itself", () => KEY, "not a sign-in link"],
    ["five parts", () => `${deriveLoginToken(KEY, 60_000)}.x`, "not a sign-in link"],
  ])("refuses %s", (_what, make, why) => {
    expect(checkLoginToken(KEY, make())).toEqual({ ok: false, why });
  });

  it("lives at most an hour", () => {
    expect(() => deriveLoginToken(KEY, 2 * 3_600_000)).toThrow(/1 hour/);
  });
});
