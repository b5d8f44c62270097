/**
 * ChatModel over the `openai` package, for any OpenAI-compatible server. The SDK's own timeout
 * (10 minutes, and only until the headers arrive) and retries would leave a requester waiting far
 * too long, so this class owns both: one deadline for the whole call, body and stream included,
 * and an inactivity deadline (./call-deadline.ts); retries only for what a retry can fix
 * (connection refused, 429, 5xx), Retry-After honoured when it fits in what is left of the
 * deadline. Every answer carries its token usage: the server's, else an estimate (./usage.ts).
 */
import OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { DEFAULTS } from "../../lib/config";
import { CallDeadline } from "./call-deadline";
import {
  ModelError,
  type ChatMessage,
  type ChatModel,
  type CompleteOptions,
  type ModelTurn,
  type ModelUsage,
  type ToolCall,
} from "./model";
import { estimatedUsage, reportedUsage, type ModelPrice } from "./usage";

export type { ModelPrice };

export interface OpenAIModelOptions {
  readonly baseURL: string;
  readonly model: string;
  readonly apiKey?: string;
  /** Deadline for one complete() call, retries and reading the answer included (ms, default LLM_TIMEOUT_MS's). */
  readonly timeoutMs?: number;
  /** A call that receives nothing for this long (no headers, no chunk) is cut as stalled (ms, default LLM_IDLE_MS's). */
  readonly idleMs?: number;
  /** `max_tokens` when the call does not give its own (default LLM_MAX_TOKENS's). */
  readonly maxTokens?: number;
  /** For the cost of a call whose server reports none (LLM_PRICE_IN, LLM_PRICE_OUT). */
  readonly price?: ModelPrice;
  /** Retries after the first attempt (default 2). */
  readonly maxRetries?: number;
  readonly temperature?: number;
  /** Running in a browser tab (through the server's LLM proxy, so no secret is exposed). */
  readonly browser?: boolean;
}

/** The SDK's own timeout only backs ours up: it must never be the one that fires. */
const SDK_TIMEOUT_SLACK_MS = 1_000;

export class OpenAIChatModel implements ChatModel {
  readonly id: string;
  /** The whole call's deadline; GatedModel allows a little more before it frees the slot. */
  readonly timeoutMs: number;
  private readonly idleMs: number;
  private readonly maxTokens: number;
  private readonly client: OpenAI;
  private readonly maxRetries: number;

  constructor(private readonly o: OpenAIModelOptions) {
    this.id = o.model;
    this.timeoutMs = o.timeoutMs ?? DEFAULTS.llmTimeoutMs;
    this.idleMs = o.idleMs ?? DEFAULTS.llmIdleMs;
    this.maxTokens = o.maxTokens ?? DEFAULTS.llmMaxTokens;
    this.maxRetries = o.maxRetries ?? 2;
    // The SDK's own logging is off: every failure reaches the runner as a ModelError and is
    // logged once there, with the agent's name.
    this.client = new OpenAI({
      logLevel: "off",
      dangerouslyAllowBrowser: o.browser ?? false,
      baseURL: o.baseURL,
      apiKey: o.apiKey ?? DEFAULTS.llmApiKey,
      maxRetries: 0,
      timeout: this.timeoutMs + SDK_TIMEOUT_SLACK_MS,
    });
  }

  async complete(options: CompleteOptions): Promise<ModelTurn> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ModelError("timeout", `the model did not answer within ${this.timeoutMs} ms`);
      const call = new CallDeadline(options.signal, {
        totalMs: left,
        timeoutMs: this.timeoutMs,
        idleMs: this.idleMs,
      });
      try {
        return await this.attempt(options, call);
      } catch (e) {
        // A deadline or the caller's abort explains whatever the SDK threw; neither is retried.
        const err = call.failure(e) ?? classify(e, this.timeoutMs, this.o.baseURL);
        const wait = retryDelay(err, e, attempt);
        if (attempt >= this.maxRetries || wait === null || Date.now() + wait >= deadline) throw err;
        await sleep(wait, options.signal).catch(() => {
          throw new ModelError("aborted", "the model call was canceled");
        });
      } finally {
        call.dispose();
      }
    }
  }

  private async attempt(o: CompleteOptions, call: CallDeadline): Promise<ModelTurn> {
    const body = {
      model: this.o.model,
      messages: o.messages.map(toOpenAI),
      ...(o.tools.length > 0 ? { tools: o.tools.map(toTool) } : {}),
      ...(this.o.temperature === undefined ? {} : { temperature: this.o.temperature }),
      max_tokens: o.maxTokens ?? this.maxTokens,
    };
    const requestOptions = { signal: call.signal };
    if (o.onDelta === undefined) {
      // The raw response, read here: the SDK's parse would read the body with no way to see
      // it arrive, so a server that sends headers and then nothing would never be noticed.
      const response = await this.client.chat.completions
        .create({ ...body, stream: false }, requestOptions)
        .asResponse();
      call.touch();
      const r = parseCompletion(await readText(response, call));
      const msg = r.choices?.[0]?.message;
      if (msg === undefined) throw new ModelError("bad_response", "the model's answer had no choices");
      const calls: ToolCall[] = (msg.tool_calls ?? []).flatMap((c) =>
        c.type === "function" ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
      );
      const turn = { content: msg.content ?? "", toolCalls: calls };
      return { ...turn, usage: this.usage(o, turn, r.usage) };
    }
    const stream = await this.client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      requestOptions,
    );
    call.touch();
    let content = "";
    let reported: unknown;
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    for await (const chunk of stream) {
      call.touch();
      // The usage comes on a last chunk of its own, with no choices (some servers put it on
      // the last chunk that has them).
      if (chunk.usage != null) reported = chunk.usage;
      const delta = chunk.choices[0]?.delta;
      if (delta === undefined) continue;
      if (typeof delta.content === "string" && delta.content !== "") {
        content += delta.content;
        o.onDelta(delta.content);
      }
      for (const tc of delta.tool_calls ?? []) {
        const c = calls.get(tc.index) ?? { id: tc.id ?? `call_${tc.index}`, name: "", arguments: "" };
        if (tc.function?.name !== undefined) c.name += tc.function.name;
        if (tc.function?.arguments !== undefined) c.arguments += tc.function.arguments;
        calls.set(tc.index, c);
      }
    }
    call.check(); // a cut stream ends quietly: it is not a short answer
    const turn = { content, toolCalls: [...calls.values()].filter((c) => c.name !== "") };
    return { ...turn, usage: this.usage(o, turn, reported) };
  }

  private usage(o: CompleteOptions, turn: Omit<ModelTurn, "usage">, reported: unknown): ModelUsage {
    return reportedUsage(reported, this.o.price) ?? estimatedUsage(o, turn, this.o.price);
  }
}

/** The body as text, read chunk by chunk so each one restarts the idle deadline. */
async function readText(response: Response, call: CallDeadline): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  // Aborting the request errors the body in Node and browsers; cancelling makes sure of it.
  const cancel = () => void reader.cancel().catch(() => {});
  call.signal.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      call.touch();
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    call.signal.removeEventListener("abort", cancel);
  }
  call.check();
  return text + decoder.decode();
}

/** The completion as the SDK would have parsed it (it does not check the shape either). */
function parseCompletion(text: string): Partial<ChatCompletion> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelError("bad_response", `the model's answer is not JSON: ${(e as Error).message}`, e);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new ModelError("bad_response", "the model's answer is not a JSON object");
  return parsed as Partial<ChatCompletion>;
}

function toOpenAI(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case "tool":
      return { role: "tool", content: m.content, tool_call_id: m.toolCallId ?? "" };
    case "assistant":
      return {
        role: "assistant",
        content: m.content,
        ...(m.toolCalls !== undefined && m.toolCalls.length > 0
          ? {
              tool_calls: m.toolCalls.map((c) => ({
                id: c.id,
                type: "function" as const,
                function: { name: c.name, arguments: c.arguments },
              })),
            }
          : {}),
      };
    default:
      return { role: m.role, content: m.content };
  }
}

function toTool(t: {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}): ChatCompletionTool {
  return {
    type: "function",
    function: { name: t.name, description: t.description, parameters: t.parameters },
  };
}

function classify(e: unknown, timeoutMs: number, baseURL: string): ModelError {
  if (e instanceof ModelError) return e;
  if (e instanceof OpenAI.APIConnectionTimeoutError)
    return new ModelError("timeout", `the model did not answer within ${timeoutMs} ms`, e);
  if (e instanceof OpenAI.RateLimitError)
    return new ModelError("rate_limited", "the model server is rate limiting (429)", e);
  if (e instanceof OpenAI.APIConnectionError)
    return new ModelError("unreachable", `cannot reach the model server at ${baseURL}`, e);
  if (e instanceof OpenAI.APIError && (e.status ?? 0) >= 500)
    return new ModelError("server_error", `the model server failed (${e.status})`, e);
  if (e instanceof OpenAI.APIError)
    return new ModelError("bad_response", `the model server refused the call (${e.status}): ${e.message}`, e);
  return new ModelError(
    "bad_response",
    `the model's answer could not be read: ${(e as Error).message ?? String(e)}`,
    e,
  );
}

/** Milliseconds to wait before retrying, or null when a retry cannot help. */
function retryDelay(err: ModelError, cause: unknown, attempt: number): number | null {
  if (err.kind === "rate_limited") {
    const header = cause instanceof OpenAI.APIError ? cause.headers?.get?.("retry-after") : undefined;
    const seconds = Number(header);
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 500 * 2 ** attempt;
  }
  if (err.kind === "unreachable" || err.kind === "server_error") return 250 * 2 ** attempt;
  return null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}
