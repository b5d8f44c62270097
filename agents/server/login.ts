/**
 * `GET /login?token=…`: the one-time sign-in URL `npm start` prints (the Jupyter convention,
 * stricter: the token works once). A right token starts a session (./session.ts) and sends the
 * browser to the dashboard; a wrong or used one gets a plain page saying where a working URL
 * comes from. Once used, the token is worth nothing to whoever reads it later in a terminal's
 * scrollback, a shell history or a browser's history. Another browser signs in with a link that
 * `switchboard login-link` derives from the token (lib/identity/login-links.ts): signed, short-lived,
 * and also good once.
 */
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { checkLoginToken } from "../../lib/identity";
import { hostAllowed } from "./http";
import { openSession, sessionCookie, sessionId, sessionValid } from "./session";

export interface LoginSettings {
  /** DASHBOARD_TOKEN; undefined: nobody can sign in. */
  readonly token: string | undefined;
  /** DASHBOARD_HOSTNAMES. */
  readonly hostnames: readonly string[];
}

/** Digests of tokens already used, process-wide (each route module is bundled on its own). */
const store = globalThis as unknown as { __switchboardUsedLogins?: Set<string> };
const used = (store.__switchboardUsedLogins ??= new Set());

const digest = (text: string) => createHash("sha256").update(text).digest();

export function login(req: Request, s: LoginSettings): Response {
  const url = new URL(req.url);
  if (!hostAllowed(req.headers.get("host"), s.hostnames))
    return page(403, "Wrong address", [
      "This dashboard answers only to the host names in DASHBOARD_HOSTNAMES.",
      "Open the URL `npm start` printed.",
    ]);
  // Signed in already (a second click on the printed URL, a bookmark): nothing to check.
  if (sessionValid(sessionId(req))) return toDashboard();
  if (s.token === undefined)
    return page(401, "Sign-in is off", [
      "This server has no login token (DASHBOARD_TOKEN is not set), so nobody can sign in.",
      "Start the dashboard with `npm start`: it makes a token and prints the URL to open.",
    ]);
  const given = url.searchParams.get("token") ?? "";
  const key = acceptedKey(s.token, given);
  if (key === undefined || used.has(key))
    return page(401, "Sign in", [
      "Open the URL `npm start` printed (http://…/login?token=…) in this browser.",
      "Each link works once: for another browser, or if it was used already, run `npm run cli -- login-link` for a new one.",
    ]);
  used.add(key);
  return toDashboard(sessionCookie(openSession(), url.protocol === "https:"));
}

/** What a right token is remembered by (so it works once); undefined for a wrong one. */
function acceptedKey(token: string, given: string): string | undefined {
  if (given === "") return undefined;
  const derived = checkLoginToken(token, given);
  if (derived.ok) return `link:${derived.key}`;
  const right = digest(token);
  // Digests have equal lengths, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(digest(given), right) ? `token:${right.toString("base64url")}` : undefined;
}

/** 303: the browser follows with a GET to the dashboard (and drops the token from its address bar). */
function toDashboard(cookie?: string): Response {
  const headers = new Headers({
    location: "/",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
  });
  if (cookie !== undefined) headers.set("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

/** A self-contained page: no script, no external resource, nothing about the installation. */
function page(status: number, title: string, lines: readonly string[]): Response {
  const body = lines.map((l) => `<p>${escape(l).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`).join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Switchboard: ${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>
</head><body><h1>${escape(title)}</h1>
${body}
</body></html>`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    },
  });
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
