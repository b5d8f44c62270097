/**
 * More sign-in links for a running dashboard, without restarting it: `npm start` keeps the
 * dashboard's login token in `{dataDir}/identity/dashboard-token` (0600, beside the trust chain,
 * so whoever may read it may already mint any credential), and `switchboard login-link` derives a
 * link from it: `l1.{expires}.{nonce}.{signature}`, an HMAC-SHA256 of the expiry and a random nonce
 * under the token. The dashboard checks the signature and the expiry and takes each nonce once.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { privateFile } from "./authority";

/** A derived link lives at most this long. */
export const MAX_LINK_TTL_MS = 60 * 60_000;
const PREFIX = "l1";

export function dashboardTokenPath(dataDir: string): string {
  return join(dataDir, "identity", "dashboard-token");
}

/** Keeps the running dashboard's token where `login-link` finds it. */
export function saveDashboardToken(dataDir: string, token: string): void {
  privateFile(dashboardTokenPath(dataDir), token);
}

/** The running dashboard's token, or undefined when no `npm start` left one here. */
export function readDashboardToken(dataDir: string): string | undefined {
  const path = dashboardTokenPath(dataDir);
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}

/** A sign-in token derived from the dashboard's, good once until `now + ttlMs`. */
export function deriveLoginToken(dashboardToken: string, ttlMs: number, now = Date.now()): string {
  if (!(ttlMs > 0 && ttlMs <= MAX_LINK_TTL_MS)) throw new RangeError("a sign-in link lives 1 ms to 1 hour");
  const body = `${PREFIX}.${now + ttlMs}.${randomBytes(16).toString("base64url")}`;
  return `${body}.${sign(dashboardToken, body)}`;
}

/**
 * Checks a derived token: its signature under the dashboard's token and its expiry. Returns the
 * key to remember it by (so it works once), or why it is refused.
 */
export function checkLoginToken(
  dashboardToken: string,
  given: string,
  now = Date.now(),
): { ok: true; key: string } | { ok: false; why: string } {
  const parts = given.split(".");
  if (parts.length !== 4 || parts[0] !== PREFIX) return { ok: false, why: "not a sign-in link" };
  const body = parts.slice(0, 3).join(".");
  const expected = Buffer.from(sign(dashboardToken, body));
  const got = Buffer.from(parts[3]!);
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    return { ok: false, why: "not signed by this dashboard" };
  const expires = Number(parts[1]);
  if (!Number.isSafeInteger(expires) || expires <= now) return { ok: false, why: "expired" };
  if (expires - now > MAX_LINK_TTL_MS) return { ok: false, why: "lives too long" };
  return { ok: true, key: body };
}

function sign(key: string, body: string): string {
  return createHmac("sha256", key).update(body).digest("base64url");
}
