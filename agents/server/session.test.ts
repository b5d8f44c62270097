// Sessions: random ids, a week's life, a bounded number, and the cookie that carries them.
import { describe, expect, it } from "vitest";
import { openSession, SESSION_TTL_MS, sessionCookie, sessionId, sessionValid } from "./session";

describe("sessions", () => {
  it("are valid until they expire, and only for their exact id", () => {
    const now = Date.now();
    const id = openSession(now);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(sessionValid(id, now + SESSION_TTL_MS - 1)).toBe(true);
    expect(sessionValid(id, now + SESSION_TTL_MS)).toBe(false);
    expect(sessionValid(id.slice(0, -1), now)).toBe(false);
    expect(sessionValid(undefined, now)).toBe(false);
    expect(sessionValid("", now)).toBe(false);
  });

  it("are bounded in number: the oldest goes first", () => {
    const now = Date.now();
    const first = openSession(now);
    const later = Array.from({ length: 40 }, () => openSession(now));
    expect(sessionValid(first, now)).toBe(false);
    expect(later.slice(-8).every((id) => sessionValid(id, now))).toBe(true);
  });

  it("travel in an HttpOnly, SameSite=Strict cookie, Secure only over HTTPS", () => {
    expect(sessionCookie("abc", false)).toBe(
      "switchboard_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=604800",
    );
    expect(sessionCookie("abc", true)).toMatch(/; Secure$/);
    const req = (cookie: string) => new Request("http://127.0.0.1/", { headers: { cookie } });
    expect(sessionId(req("theme=dark; switchboard_session=xyz; other=1"))).toBe("xyz");
    expect(sessionId(req("not_switchboard_session=xyz"))).toBeUndefined();
  });
});
