import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IdentityError, SIGNED_OUT, type IdentityIssuer, type IdentityRequest } from "./identity-client";
import { RenewingCredential } from "./renewing-credential";
import { signInPerson } from "./sign-in";

/** A JWT-shaped string whose payload carries `iat` and `exp` (seconds), as the server signs them. */
function jwt(n: number, iat: number, exp: number): string {
  const payload = Buffer.from(JSON.stringify({ iat, exp, n })).toString("base64url");
  return `e30.${payload}.sig${n}`;
}

/** Issues credentials of `lifetimeS` seconds; `answer` can make any call fail instead. */
function issuer(lifetimeS: number, answer?: (r: IdentityRequest, call: number) => IdentityError | undefined) {
  const calls: IdentityRequest[] = [];
  const i: IdentityIssuer = {
    async issue(r) {
      calls.push(r);
      const refusal = answer?.(r, calls.length);
      if (refusal !== undefined) throw refusal;
      const now = Math.floor(Date.now() / 1000);
      return { jwt: jwt(calls.length, now, now + lifetimeS), expiresAt: (now + lifetimeS) * 1000 };
    },
  };
  return { issuer: i, calls };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-30T12:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a tab's renewing credential", () => {
  it("renews at half its lifetime, with the same key, and hands the new JWT to the next connect", async () => {
    const { issuer: i, calls } = issuer(60);
    const c = await RenewingCredential.obtain({ issuer: i, role: "agent", name: "Tab-Bot" });
    expect("jwt" in c.credentials && c.credentials.jwt()).toBe(jwt(1, 1_796_040_000, 1_796_040_060));
    await vi.advanceTimersByTimeAsync(29_000);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual(calls[0]);
    expect(calls[0]!.publicKey).toMatch(/^U[A-Z2-7]{55}$/);
    expect("jwt" in c.credentials && c.credentials.jwt()).toMatch(/sig2$/);
    c.close();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(2);
  });

  it("measures the lifetime on its own clock: a tab whose clock runs ahead does not renew in a loop", async () => {
    const { issuer: i, calls } = issuer(60);
    const c = await RenewingCredential.obtain({ issuer: i, role: "person", name: "you-abc123" });
    vi.setSystemTime(Date.now() + 3_600_000); // the server's expiresAt is now an hour behind us
    await vi.advanceTimersByTimeAsync(29_000);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    c.close();
  });

  it("reports a failed renewal, retries it, and clears the problem once one succeeds", async () => {
    const { issuer: i, calls } = issuer(600, (_r, call) =>
      call === 2 || call === 3 ? new IdentityError(SIGNED_OUT, 401) : undefined,
    );
    const c = await RenewingCredential.obtain({
      issuer: i,
      role: "person",
      name: "you-abc123",
      retryMs: 1_000,
    });
    const seen: (string | null)[] = [];
    c.watch((p) => seen.push(p?.message ?? null));
    await vi.advanceTimersByTimeAsync(300_000); // half of 600 s: the first renewal, refused
    expect(c.problem?.signedOut).toBe(true);
    await vi.advanceTimersByTimeAsync(150_000); // half of what is left: refused again
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(75_000);
    expect(calls).toHaveLength(4);
    expect(c.problem).toBeNull();
    expect(seen).toEqual([SIGNED_OUT, null]);
    c.close();
  });

  it("retries a failing renewal no faster than retryMs, even past the expiry", async () => {
    const { issuer: i, calls } = issuer(4, (_r, call) =>
      call > 1 ? new IdentityError("down", 0) : undefined,
    );
    const c = await RenewingCredential.obtain({
      issuer: i,
      role: "person",
      name: "you-abc123",
      retryMs: 1_000,
    });
    await vi.advanceTimersByTimeAsync(10_000);
    // 2 s (half of 4), then every second at most: 2, 3, ..., 10.
    expect(calls.length).toBeGreaterThanOrEqual(8);
    expect(calls.length).toBeLessThanOrEqual(10);
    c.close();
  });
});

describe("signing the tab's person in", () => {
  it("takes a fresh name when the tab's is taken (a duplicated tab)", async () => {
    const { issuer: i, calls } = issuer(60, (r) =>
      r.name === "you-copied" ? new IdentityError("the name you-copied is taken", 409) : undefined,
    );
    const c = await signInPerson({ issuer: i, name: () => "you-copied", rename: () => "you-fresh1" });
    expect(c.name).toBe("you-fresh1");
    expect(calls.map((r) => r.name)).toEqual(["you-copied", "you-fresh1"]);
    c.close();
  });

  it("asks again, more slowly, while the server does not answer, and says why it waits", async () => {
    const { issuer: i, calls } = issuer(60, (_r, call) =>
      call < 4 ? new IdentityError("could not get a credential: no answer", 0) : undefined,
    );
    const retries: string[] = [];
    const signing = signInPerson({
      issuer: i,
      name: () => "you-abc123",
      rename: () => "you-other",
      retryMs: 100,
      onRetry: (p) => retries.push(p.message),
    });
    await vi.advanceTimersByTimeAsync(100 + 200 + 400);
    const c = await signing;
    expect(calls).toHaveLength(4);
    expect(retries).toHaveLength(3);
    c.close();
  });

  it("gives a signed-out page the fix, without retrying", async () => {
    const { issuer: i, calls } = issuer(60, () => new IdentityError(SIGNED_OUT, 401));
    await expect(signInPerson({ issuer: i, name: () => "you-abc123", rename: () => "x" })).rejects.toThrow(
      SIGNED_OUT,
    );
    expect(calls).toHaveLength(1);
  });

  it("stops when the page gives up", async () => {
    const { issuer: i } = issuer(60, () => new IdentityError("no answer", 0));
    const abort = new AbortController();
    const signing = signInPerson({
      issuer: i,
      name: () => "you-abc123",
      rename: () => "x",
      signal: abort.signal,
    });
    const failed = expect(signing).rejects.toBeDefined();
    await vi.advanceTimersByTimeAsync(100);
    abort.abort();
    await failed;
  });
});
