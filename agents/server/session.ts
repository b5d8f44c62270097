/**
 * Dashboard sessions: a signed-in browser holds a random session id in an HttpOnly,
 * SameSite=Strict cookie, and every route and the page require it. Sessions live in this
 * process's memory (on globalThis, so every route module, bundled separately, sees the same
 * ones): restarting the server signs everyone out, which `npm start` pairs with a new login URL.
 *
 * Ids are kept hashed: a lookup compares digests, never a prefix of a live id, and a heap dump
 * does not hand out a usable cookie.
 */
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { HttpError } from "./http";

export const SESSION_COOKIE = "switchboard_session";

/** A week: long enough not to nag, short enough that a forgotten browser loses its access. */
export const SESSION_TTL_MS = 7 * 24 * 3_600_000;
/** The login token works once, so sessions are few; the bound only keeps a bug from growing memory. */
const MAX_SESSIONS = 32;

/** Session id digest -> expiry (ms since the epoch), oldest first (Map keeps insertion order). */
const store = globalThis as unknown as { __switchboardSessions?: Map<string, number> };
const sessions = (store.__switchboardSessions ??= new Map());

const digest = (id: string) => createHash("sha256").update(id).digest("base64url");

/** Starts a session and returns its id, the cookie's value. */
export function openSession(now = Date.now()): string {
  for (const [key, expiresAt] of sessions) if (expiresAt <= now) sessions.delete(key);
  while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
  const id = randomBytes(32).toString("base64url");
  sessions.set(digest(id), now + SESSION_TTL_MS);
  return id;
}

/** Whether `id` (a cookie's value, if any) names a live session. */
export function sessionValid(id: string | undefined, now = Date.now()): boolean {
  if (id === undefined || id === "") return false;
  const expiresAt = sessions.get(digest(id));
  return expiresAt !== undefined && expiresAt > now;
}

/** The Set-Cookie value for a new session; `secure` when served over HTTPS. */
export function sessionCookie(id: string, secure: boolean): string {
  const attributes = ["Path=/", "HttpOnly", "SameSite=Strict", `Max-Age=${SESSION_TTL_MS / 1000}`];
  if (secure) attributes.push("Secure");
  return [`${SESSION_COOKIE}=${id}`, ...attributes].join("; ");
}

/** The session cookie's value in a request's Cookie header. */
export function sessionId(req: Request): string | undefined {
  for (const pair of (req.headers.get("cookie") ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at !== -1 && pair.slice(0, at).trim() === SESSION_COOKIE) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** Refuses a request without a live session (401). */
export function requireSession(req: Request): void {
  if (!sessionValid(sessionId(req)))
    throw new HttpError(
      401,
      "not signed in: open the URL `npm start` printed (/login?token=…) in this browser",
    );
}
