/**
 * What the offline model answers to one chat completion request, in the OpenAI wire shapes: the
 * rules' decision or a failure mode's own (tool-loop, huge), cut to max_tokens, with its usage.
 * The HTTP side (modes that fail, hang or never end, streaming, the control routes) is ./server.
 */
import { createHash } from "node:crypto";
import { OFFLINE_MODEL_ID } from "../llm/offline-marker";
import { decide, LABEL, type ChatRequest, type Decision } from "./rules";
import type { FailureMode } from "./server";

/** A request as far as this server reads it: the rules' fields, and the token limit. */
export type CompletionRequest = ChatRequest & {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
};

const HUGE_BYTES = 1.5 * 1024 * 1024;
const HUGE_PIECE = 16 * 1024; // "huge" streams in pieces this big, not word by word
/** Tools "tool-loop" passes over: it calls the agent's own tools, in circles. */
const COMMUNICATION_TOOLS = new Set(["list_agents", "send_direct", "request_agent", "broadcast", "handoff"]);

export type Finish = "stop" | "tool_calls" | "length";
export type Usage = ReturnType<typeof usage>;
export interface Meta {
  readonly id: string;
  readonly model: string;
  readonly created: number;
}

export function completion(
  request: ChatRequest,
  decision: Decision,
  finish: Finish,
  meta: Meta,
  used: Usage | undefined,
) {
  const message =
    decision.type === "text"
      ? { role: "assistant", content: decision.content, refusal: null }
      : { role: "assistant", content: null, refusal: null, tool_calls: toolCalls(request, decision) };
  return {
    ...meta,
    object: "chat.completion",
    system_fingerprint: OFFLINE_MODEL_ID,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    ...(used === undefined ? {} : { usage: used }),
  };
}

export function chunkBase(meta: Meta) {
  return { ...meta, object: "chat.completion.chunk", system_fingerprint: OFFLINE_MODEL_ID };
}

export function chunkMaker(meta: Meta) {
  const base = chunkBase(meta);
  return (delta: object, finish: Finish | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
}

/** What the mode answers: the rules' decision, or the mode's own. */
export function answer(request: ChatRequest, current: FailureMode): Decision {
  switch (current) {
    case "tool-loop": {
      const own = (request.tools ?? []).find((t) => !COMMUNICATION_TOOLS.has(t.function.name));
      return { type: "tool_calls", calls: [{ name: own?.function.name ?? "list_agents", arguments: {} }] };
    }
    case "huge":
      return { type: "text", content: hugeText() };
    default:
      return decide(request);
  }
}

/** Text cut to `maxTokens` (four characters a token) ends with "length", as a real server's. */
export function limited(
  decision: Decision,
  maxTokens: number | undefined,
): { decision: Decision; finish: Finish } {
  if (decision.type === "tool_calls") return { decision, finish: "tool_calls" };
  if (maxTokens === undefined || decision.content.length <= maxTokens * 4)
    return { decision, finish: "stop" };
  return { decision: { type: "text", content: decision.content.slice(0, maxTokens * 4) }, finish: "length" };
}

export function maxTokensOf(request: CompletionRequest): number | undefined {
  return request.max_tokens ?? request.max_completion_tokens ?? undefined;
}

let huge: string | undefined;
function hugeText(): string {
  const line = `${LABEL} a huge answer, 1.5 MiB of it, to test what happens to answers over the size limit.\n`;
  huge ??= line.repeat(Math.ceil(HUGE_BYTES / line.length)).slice(0, HUGE_BYTES);
  return huge;
}

/** Words, as a real model streams them; a huge text in bigger pieces. */
export function textPieces(text: string): string[] {
  if (text.length <= HUGE_PIECE) return text.match(/\S+\s*|\s+/g) ?? [];
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += HUGE_PIECE) pieces.push(text.slice(at, at + HUGE_PIECE));
  return pieces;
}

/** Ids derive from the conversation so far, so the same request always yields the same ids. */
export function toolCalls(request: ChatRequest, decision: Extract<Decision, { type: "tool_calls" }>) {
  return decision.calls.map((c, i) => {
    const args = JSON.stringify(c.arguments);
    const seed = JSON.stringify([request.messages.length, i, c.name, args, request.messages.at(-1)?.content]);
    const id = `call_${createHash("sha256").update(seed).digest("hex").slice(0, 24)}`;
    return { id, type: "function" as const, function: { name: c.name, arguments: args } };
  });
}

// Rough: about four bytes per token, which is all anyone reading these numbers needs.
export function usage(request: ChatRequest, decision: Decision) {
  let prompt = 0;
  for (const m of request.messages) prompt += Buffer.byteLength(contentText(m.content));
  const output =
    decision.type === "text"
      ? Buffer.byteLength(decision.content)
      : decision.calls.reduce((n, c) => n + Buffer.byteLength(JSON.stringify(c.arguments)), 0);
  const prompt_tokens = Math.ceil(prompt / 4);
  const completion_tokens = Math.ceil(output / 4);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function contentText(content: ChatRequest["messages"][number]["content"]): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((p) => p.text ?? "").join("");
}
