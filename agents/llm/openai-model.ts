/**
 * ChatModel over the `openai` package, for any OpenAI-compatible server. The SDK's own timeout
 * (10 minutes) and retries would leave a requester waiting far too long, so this class owns both:
 * one deadline for the whole call, retries only for what a retry can fix (connection refused,
 * 429, 5xx), Retry-After honoured when it fits in what is left of the deadline.
 */
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { DEFAULTS } from "../../lib/config";
import {
  ModelError,
  type ChatMessage,
  type ChatModel,
  type CompleteOptions,
  type ModelTurn,
  type ToolCall,
} from "./model";

export interface OpenAIModelOptions {
  readonly baseURL: string;
  readonly model: string;
  readonly apiKey?: string;
  /** Deadline for one complete() call, retries included (ms, default LLM_TIMEOUT_MS's). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 2). */
  readonly maxRetries?: number;
  readonly temperature?: number;
  /** Running in a browser tab (through the server's LLM proxy, so no secret is exposed). */
  readonly browser?: boolean;
}

export class OpenAIChatModel implements ChatModel {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;

  constructor(private readonly o: OpenAIModelOptions) {
    this.id = o.model;
    this.timeoutMs = o.timeoutMs ?? DEFAULTS.llmTimeoutMs;
    this.maxRetries = o.maxRetries ?? 2;
    // The SDK's own logging is off: every failure reaches the runner as a ModelError and is
    // logged once there, with the agent's name.
    this.client = new OpenAI({
      logLevel: "off",
      dangerouslyAllowBrowser: o.browser ?? false,
      baseURL: o.baseURL,
      apiKey: o.apiKey ?? DEFAULTS.llmApiKey,
      maxRetries: 0,
      timeout: this.timeoutMs,
    });
  }

  async complete(options: CompleteOptions): Promise<ModelTurn> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ModelError("timeout", `the model did not answer within ${this.timeoutMs} ms`);
      try {
        return await this.attempt(options, left);
      } catch (e) {
        const err = classify(e, options.signal, this.timeoutMs, this.o.baseURL);
        const wait = retryDelay(err, e, attempt);
        if (attempt >= this.maxRetries || wait === null || Date.now() + wait >= deadline) throw err;
        await sleep(wait, options.signal).catch(() => {
          throw new ModelError("aborted", "the model call was canceled");
        });
      }
    }
  }

  private async attempt(o: CompleteOptions, timeoutMs: number): Promise<ModelTurn> {
    const body = {
      model: this.o.model,
      messages: o.messages.map(toOpenAI),
      ...(o.tools.length > 0 ? { tools: o.tools.map(toTool) } : {}),
      ...(this.o.temperature === undefined ? {} : { temperature: this.o.temperature }),
    };
    const requestOptions = { signal: o.signal, timeout: timeoutMs };
    if (o.onDelta === undefined) {
      const r = await this.client.chat.completions.create({ ...body, stream: false }, requestOptions);
      const msg = r.choices[0]?.message;
      if (msg === undefined) throw new ModelError("bad_response", "the model's answer had no choices");
      const calls: ToolCall[] = (msg.tool_calls ?? []).flatMap((c) =>
        c.type === "function" ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
      );
      return { content: msg.content ?? "", toolCalls: calls };
    }
    const stream = await this.client.chat.completions.create({ ...body, stream: true }, requestOptions);
    let content = "";
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    for await (const chunk of stream) {
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
    return { content, toolCalls: [...calls.values()].filter((c) => c.name !== "") };
  }
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

function classify(e: unknown, signal: AbortSignal, timeoutMs: number, baseURL: string): ModelError {
  if (e instanceof ModelError) return e;
  if (signal.aborted) return new ModelError("aborted", "the model call was canceled", e);
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
