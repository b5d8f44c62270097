/**
 * An OpenAI-compatible HTTP server around the rules in ./rules: the agents' LLM when LM Studio is not
 * running, and the tests' LLM. It can also misbehave on request (failure modes) so that the agents'
 * error handling can be tested against the real `openai` client:
 *   - ok: answers by the rules;
 *   - error500, rate429 (with Retry-After: 1): fails with that status;
 *   - hang: never sends the headers;
 *   - garbage: answers with a body that is not JSON (streamed: an SSE event that is not);
 *   - slow-stream: 300 ms between chunks, a non-streamed answer after 3 s;
 *   - stall: sends the headers (and, streamed, one content chunk), then nothing;
 *   - endless: streams a content chunk every streamDelayMs forever (not streamed: a JSON body
 *     that never ends, one space at a time);
 *   - tool-loop: always calls a tool (the first offered that is not a communication tool, else
 *     list_agents) with `{}`, so an agent never reaches an answer;
 *   - huge: answers with 1.5 MiB of text;
 *   - no-usage: like ok, but reports no token usage.
 * Held-open modes (hang, stall, endless) let go when the client leaves or close() is called.
 * Every answer reports `usage` (streamed: a last chunk with no choices, when the request asks
 * with stream_options.include_usage), about four bytes a token, and honours `max_tokens` by
 * cutting its text to four characters a token with finish_reason "length".
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { OFFLINE_MODEL_HEADER, OFFLINE_MODEL_ID } from "../llm/offline-marker";
import {
  answer,
  chunkBase,
  chunkMaker,
  completion,
  limited,
  maxTokensOf,
  textPieces,
  toolCalls,
  usage,
  type CompletionRequest,
} from "./answer";
import { LABEL } from "./rules";

// Defined by the lookup that recognises the offline model; re-exported for its users.
export { OFFLINE_MODEL_ID };
export const FAILURE_MODES = [
  "ok",
  "error500",
  "rate429",
  "hang",
  "garbage",
  "slow-stream",
  "stall",
  "endless",
  "tool-loop",
  "huge",
  "no-usage",
] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export interface OfflineModelOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Pause between streamed chunks, default 5 ms; "slow-stream" mode uses 300 ms, "endless" at least 1 ms. */
  streamDelayMs?: number;
  /** Receives one line per request; silent when absent. */
  log?: (line: string) => void;
}

export interface OfflineModelStats {
  /** Chat completion requests received, and how many arrived in each failure mode. */
  requests: number;
  byMode: Record<string, number>;
  /** Chat completion requests not yet answered or abandoned (e.g. held open by "hang"). */
  inFlight: number;
  /** The last chat completion request's `max_tokens` (or `max_completion_tokens`); null: none. */
  lastMaxTokens: number | null;
}

export interface OfflineModel {
  /** Base URL for the openai client, e.g. "http://127.0.0.1:PORT/v1". */
  readonly url: string;
  readonly port: number;
  setMode(mode: FailureMode): void;
  readonly mode: FailureMode;
  /**
   * The bearer token `POST /__offline/mode` requires: made at start and known only to whoever
   * started the model (its tests), so nobody else who can reach the port can make it fail.
   */
  readonly controlToken: string;
  readonly stats: OfflineModelStats;
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

const MODELS_CREATED = 1_735_689_600; // fixed (2025-01-01) so /v1/models is byte-for-byte stable
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const SLOW_CHUNK_MS = 300;
const SLOW_ANSWER_MS = 3000;
const ARGUMENT_PIECE = 24; // streamed tool arguments arrive in pieces, as from real servers

export function isFailureMode(mode: unknown): mode is FailureMode {
  return typeof mode === "string" && (FAILURE_MODES as readonly string[]).includes(mode);
}

export async function startOfflineModel(opts: OfflineModelOptions = {}): Promise<OfflineModel> {
  const host = opts.host ?? "127.0.0.1";
  const streamDelayMs = opts.streamDelayMs ?? 5;
  const log = opts.log ?? (() => {});
  let mode: FailureMode = "ok";
  let completionCount = 0;
  const controlToken = randomBytes(24).toString("base64url");
  const stats: OfflineModelStats = { requests: 0, byMode: {}, inFlight: 0, lastMaxTokens: null };
  const sockets = new Set<Socket>();

  const setMode = (next: FailureMode) => {
    if (!isFailureMode(next)) throw new Error(`unknown failure mode ${JSON.stringify(next)}`);
    mode = next;
  };

  const server = createServer((req, res) => {
    res.setHeader(OFFLINE_MODEL_HEADER, "true");
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) res.destroy();
      else sendError(res, 500, `offline model failed: ${String(err)}`, "server_error");
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    log(`${req.method} ${path} (mode ${mode})`);
    if (path === "/v1/models" || path.startsWith("/v1/models/")) {
      if (req.method !== "GET") return sendError(res, 405, "use GET", "invalid_request_error");
      const model = {
        id: OFFLINE_MODEL_ID,
        object: "model",
        created: MODELS_CREATED,
        owned_by: "switchboard-offline-model",
      };
      if (path === "/v1/models") return sendJson(res, 200, { object: "list", data: [model] });
      const wanted = decodeURIComponent(path.slice("/v1/models/".length));
      if (wanted === OFFLINE_MODEL_ID) return sendJson(res, 200, model);
      return sendError(res, 404, "no such model", "invalid_request_error", "model_not_found");
    }
    if (path === "/__offline/stats" && req.method === "GET") return sendJson(res, 200, { mode, ...stats });
    if (path === "/__offline/mode" && req.method === "POST") {
      if (!bearerMatches(req.headers.authorization, controlToken)) {
        return sendError(
          res,
          401,
          "switching modes needs the model's control token",
          "invalid_request_error",
        );
      }
      const body = await readBody(req);
      const next = body.ok ? parseJson(body.text) : undefined;
      const wanted = next && typeof next === "object" && "mode" in next ? next.mode : undefined;
      if (!isFailureMode(wanted)) {
        return sendError(
          res,
          400,
          `mode must be one of ${FAILURE_MODES.join(", ")}`,
          "invalid_request_error",
        );
      }
      setMode(wanted);
      return sendJson(res, 200, { mode });
    }
    if (path !== "/v1/chat/completions") {
      return sendError(res, 404, `no route ${path}`, "invalid_request_error");
    }
    if (req.method !== "POST") return sendError(res, 405, "use POST", "invalid_request_error");

    const body = await readBody(req);
    if (!body.ok) {
      return sendError(res, 413, `request body exceeds ${MAX_BODY_BYTES} bytes`, "invalid_request_error");
    }
    const request = validate(parseJson(body.text));
    if (typeof request === "string") return sendError(res, 400, request, "invalid_request_error");

    if (res.destroyed) return; // the client left while we were reading
    const current = mode;
    stats.requests++;
    stats.lastMaxTokens = maxTokensOf(request) ?? null;
    stats.byMode[current] = (stats.byMode[current] ?? 0) + 1;
    stats.inFlight++;
    // One signal for "the client is gone or we are closing": every wait below gives up on it.
    const gone = new AbortController();
    res.once("close", () => {
      stats.inFlight--;
      gone.abort();
    });
    await complete(request, current, res, gone.signal).catch((err: unknown) => {
      if (!gone.signal.aborted) throw err;
    });
  }

  async function complete(
    request: CompletionRequest,
    current: FailureMode,
    res: ServerResponse,
    signal: AbortSignal,
  ) {
    switch (current) {
      case "error500":
        return sendError(res, 500, "The offline model is simulating a server error.", "server_error");
      case "rate429":
        res.setHeader("retry-after", "1");
        return sendError(
          res,
          429,
          "The offline model is simulating a rate limit.",
          "requests",
          "rate_limit_exceeded",
        );
      case "hang":
        return; // never answer; the socket is freed when the client gives up or close() destroys it
      case "garbage":
        if (request.stream) return sendSse(res, ["this is not JSON {", "[DONE]"]);
        res.writeHead(200, { "content-type": "application/json" });
        res.end("<html>this is not JSON</html>");
        return;
    }
    const meta = {
      id: `chatcmpl-offline-${++completionCount}`,
      model: request.model || OFFLINE_MODEL_ID,
      created: Math.floor(Date.now() / 1000),
    };
    const chunk = chunkMaker(meta);
    if (current === "stall" || current === "endless") {
      // Headers first (and a first word when streamed), as a server that starts an answer does.
      if (!request.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.flushHeaders();
      } else {
        startSse(res);
        res.write(sse(chunk({ role: "assistant", content: `${LABEL} ` })));
      }
      if (current === "stall") return; // then nothing; held open like "hang"
      // Whitespace before a JSON body is valid: a patient client waits for the rest forever.
      const tick = request.stream ? sse(chunk({ content: "and on " })) : " ";
      for (;;) {
        await sleep(Math.max(1, streamDelayMs), undefined, { signal });
        await write(res, tick, signal);
      }
    }
    const { decision, finish } = limited(answer(request, current), maxTokensOf(request));
    const used = current === "no-usage" ? undefined : usage(request, decision);
    if (!request.stream) {
      if (current === "slow-stream") await sleep(SLOW_ANSWER_MS, undefined, { signal });
      return sendJson(res, 200, completion(request, decision, finish, meta, used));
    }
    const delay = current === "slow-stream" ? SLOW_CHUNK_MS : streamDelayMs;
    startSse(res);
    const events: object[] = [];
    if (decision.type === "text") {
      events.push(chunk({ role: "assistant", content: "" }));
      for (const piece of textPieces(decision.content)) events.push(chunk({ content: piece }));
    } else {
      events.push(chunk({ role: "assistant", content: null }));
      toolCalls(request, decision).forEach((c, index) => {
        const fn = { name: c.function.name, arguments: "" };
        events.push(chunk({ tool_calls: [{ index, id: c.id, type: "function", function: fn }] }));
        for (let at = 0; at < c.function.arguments.length; at += ARGUMENT_PIECE) {
          const piece = c.function.arguments.slice(at, at + ARGUMENT_PIECE);
          events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
        }
      });
    }
    events.push(chunk({}, finish));
    if (used !== undefined && request.stream_options?.include_usage)
      events.push({ ...chunkBase(meta), choices: [], usage: used });
    for (const [i, event] of events.entries()) {
      if (i > 0 && delay > 0) await sleep(delay, undefined, { signal });
      if (signal.aborted) return;
      await write(res, sse(event), signal);
    }
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    setMode,
    controlToken,
    get mode() {
      return mode;
    },
    stats,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);

/** The request, or what is wrong with it. Only checks what the rules rely on. */
function validate(body: unknown): CompletionRequest | string {
  if (!body || typeof body !== "object" || Array.isArray(body)) return "request body must be a JSON object";
  const { messages, tools } = body as { messages?: unknown; tools?: unknown };
  for (const field of ["max_tokens", "max_completion_tokens"] as const) {
    const v = (body as Record<string, unknown>)[field];
    if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 1))
      return `${field} must be a whole number of at least 1`;
  }
  if (!Array.isArray(messages) || messages.length === 0) return "messages must be a non-empty array";
  for (const [i, m] of messages.entries()) {
    if (!m || typeof m !== "object" || !ROLES.has((m as { role?: unknown }).role as string)) {
      return `messages[${i}] must be an object with a role of ${[...ROLES].join(", ")}`;
    }
  }
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) return "tools must be an array";
    for (const [i, t] of tools.entries()) {
      if (typeof (t as { function?: { name?: unknown } } | null)?.function?.name !== "string") {
        return `tools[${i}] must be {type: "function", function: {name, ...}}`;
      }
    }
  }
  return body as CompletionRequest;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads the whole body; past the limit it keeps draining (so the client can read the 413) but stores nothing. */
function readBody(req: IncomingMessage): Promise<{ ok: true; text: string } | { ok: false }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once("end", () =>
      resolve(
        size > MAX_BODY_BYTES ? { ok: false } : { ok: true, text: Buffer.concat(chunks).toString("utf8") },
      ),
    );
    // A client that disconnects mid-body never sends "end"; settle anyway so nothing waits forever.
    req.once("close", () => {
      if (!req.complete) reject(new Error("client disconnected before sending the whole body"));
    });
    req.once("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, type: string, code?: string): void {
  sendJson(res, status, { error: { message, type, param: null, code: code ?? null } });
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
}

function sse(event: object): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

/** Writes, then waits while the client is behind (a slow reader must not make us buffer without end). */
async function write(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (!res.write(text)) await once(res, "drain", { signal });
}

function sendSse(res: ServerResponse, data: string[]): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.end(data.map((d) => `data: ${d}\n\n`).join(""));
}

/** Compares in constant time, so the token cannot be guessed a character at a time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? "");
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
