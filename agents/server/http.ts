/**
 * Route-handler plumbing: JSON bodies with a size limit, refusal of cross-site requests, and the
 * one place where errors become HTTP statuses.
 */
import "server-only";
import { AgentNameTakenError, UnknownAgentError } from "./agent-host";

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

export async function jsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const length = Number(req.headers.get("content-length") ?? 0);
  if (length > maxBytes)
    throw new HttpError(413, `body of ${length} bytes is over the ${maxBytes}-byte limit`);
  const text = await req.text();
  if (text.length > maxBytes) throw new HttpError(413, `body is over the ${maxBytes}-byte limit`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}

export function errorResponse(e: unknown): Response {
  if (e instanceof HttpError) return Response.json({ error: e.message }, { status: e.status });
  if (e instanceof AgentNameTakenError) return Response.json({ error: e.message }, { status: 409 });
  if (e instanceof UnknownAgentError) return Response.json({ error: e.message }, { status: 404 });
  const message = e instanceof Error ? e.message : String(e);
  if (/connection refused|CONNECTION_REFUSED|cannot reach|timeout/i.test(message)) {
    return Response.json({ error: `NATS is not reachable from the server: ${message}` }, { status: 503 });
  }
  console.error("[api]", e);
  return Response.json({ error: message }, { status: 500 });
}
