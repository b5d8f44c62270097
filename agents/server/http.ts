/**
 * Route-handler plumbing: JSON bodies with a size limit, refusal of unknown hosts and cross-site
 * requests, and the one place where errors become HTTP statuses.
 */
import "server-only";
import {
  AgentLimitError,
  IdentityRequestError,
  KeyRevokedError,
  NameTakenError,
  ServerUnavailableError,
  UnknownAgentError,
} from "./errors";

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every route answers only to the host names the dashboard is served under: a DNS-rebinding
 * page (its own name resolving to 127.0.0.1) passes the same-origin checks below, but its
 * requests carry its own name in `Host`.
 */
export function refuseUnknownHost(req: Request, hostnames: readonly string[]): void {
  const host = req.headers.get("host");
  if (!hostAllowed(host, hostnames)) {
    const shown = JSON.stringify((host ?? "").slice(0, 100));
    throw new HttpError(403, `host ${shown} is not one this dashboard answers to (DASHBOARD_HOSTNAMES)`);
  }
}

/** Whether a `Host` header's value (port and IPv6 brackets aside) is one of `hostnames`. */
export function hostAllowed(host: string | null, hostnames: readonly string[]): boolean {
  const name = (host ?? "")
    .replace(/:\d+$/, "")
    .replace(/^\[(.*)\]$/, "$1")
    .toLowerCase();
  return hostnames.includes(name);
}

/**
 * Mutating routes refuse cross-site requests: browsers send Sec-Fetch-Site (and Origin) on
 * them, so a page elsewhere cannot start or stop agents here. Clients that are not browsers
 * (curl, the CLI) send neither and are let through.
 */
export function refuseCrossSite(req: Request): void {
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    throw new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  const origin = req.headers.get("origin");
  if (origin === null) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new HttpError(403, `cross-site request refused (Origin: ${origin})`);
  }
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (originHost !== host)
    throw new HttpError(403, `cross-site request refused (Origin ${origin} is not ${host})`);
}

/**
 * The request body as text, refused with 413 as soon as it passes `maxBytes`: a declared
 * Content-Length is checked first, and a chunked body (no length, or a false one) is counted as
 * it streams in and cut off there, so an oversized body is never buffered whole.
 */
export async function readBody(req: Request, maxBytes: number): Promise<string> {
  const length = Number(req.headers.get("content-length") ?? 0);
  if (length > maxBytes)
    throw new HttpError(413, `body of ${length} bytes is over the ${maxBytes}-byte limit`);
  if (req.body === null) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new HttpError(413, `body is over the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "body is not UTF-8");
  }
}

export async function jsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const text = await readBody(req, maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}

export function errorResponse(e: unknown): Response {
  const status = statusOf(e);
  if (status === 500) console.error("[api]", e);
  else if (status === 503) console.error("[api]", (e as Error).message);
  const message = e instanceof Error ? e.message : String(e);
  return Response.json({ error: message }, { status });
}

function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  if (e instanceof IdentityRequestError) return 400;
  if (e instanceof KeyRevokedError) return 403;
  if (e instanceof UnknownAgentError) return 404;
  if (e instanceof NameTakenError) return 409;
  if (e instanceof AgentLimitError) return 429;
  if (e instanceof ServerUnavailableError) return 503;
  return 500;
}
