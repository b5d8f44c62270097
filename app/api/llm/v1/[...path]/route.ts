// The LLM proxy for agents running in a browser tab: /api/llm/v1/models and
// /api/llm/v1/chat/completions are forwarded to the server's LLM (LM Studio or the offline
// model), streamed through, so the page needs no CORS setup and never sees a key.
import { errorResponse, HttpError, readBody } from "../../../../../agents/server/http";
import { admit, currentLlm, serverConfig } from "../../../server-context";

export const dynamic = "force-dynamic";

const MAX_BODY = 2 * 1024 * 1024;
const ALLOWED = new Set(["models", "chat/completions"]);

async function forward(req: Request, path: string[]): Promise<Response> {
  const rel = path.join("/");
  if (!ALLOWED.has(rel))
    throw new HttpError(404, `the LLM proxy serves only /models and /chat/completions, not /${rel}`);
  const target = await currentLlm();
  const timeoutMs = serverConfig().llmTimeoutMs;
  const body = req.method === "POST" ? await readBody(req, MAX_BODY) : undefined;
  let upstream: Response;
  try {
    upstream = await fetch(`${target.baseURL}/${rel}`, {
      method: req.method,
      headers: { "content-type": "application/json", authorization: `Bearer ${target.apiKey}` },
      ...(body === undefined ? {} : { body }),
      // Stops the model's work when the tab cancels (AbortSignal) or the deadline passes.
      signal: AbortSignal.any([req.signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (e) {
    const why =
      (e as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e as Error).message;
    throw new HttpError(502, `the LLM at ${target.baseURL} failed: ${why}`);
  }
  const headers = new Headers({ "content-type": upstream.headers.get("content-type") ?? "application/json" });
  for (const h of ["retry-after", "x-switchboard-offline-model"]) {
    const v = upstream.headers.get(h);
    if (v !== null) headers.set(h, v);
  }
  headers.set("x-switchboard-llm", target.offline ? "offline-model" : "upstream");
  return new Response(upstream.body, { status: upstream.status, headers });
}

export async function GET(req: Request, ctx: { params: Promise<{ path: string[] }> }): Promise<Response> {
  try {
    admit(req, false);
    return await forward(req, (await ctx.params).path);
  } catch (e) {
    return errorResponse(e);
  }
}

export async function POST(req: Request, ctx: { params: Promise<{ path: string[] }> }): Promise<Response> {
  try {
    admit(req, true);
    return await forward(req, (await ctx.params).path);
  } catch (e) {
    return errorResponse(e);
  }
}
