/**
 * Token usage of one model call: what the server reported, or an estimate when it reported
 * none, and its cost. Pure (no Node or browser APIs), so tab agents count the same way.
 */
import type { ChatMessage, ModelUsage, ToolCall, ToolSpec } from "./model";

/** USD per million tokens, in and out (LLM_PRICE_IN, LLM_PRICE_OUT). */
export interface ModelPrice {
  readonly inPerMTok: number;
  readonly outPerMTok: number;
}

/**
 * The usage a server reported (`usage` of a completion or of a stream's last chunk), or
 * undefined when it has no whole token counts. `cost` is OpenRouter's: USD, when a number.
 */
export function reportedUsage(raw: unknown, price: ModelPrice | undefined): ModelUsage | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const u = raw as { prompt_tokens?: unknown; completion_tokens?: unknown; cost?: unknown };
  if (!isCount(u.prompt_tokens) || !isCount(u.completion_tokens)) return undefined;
  const reportedCost =
    typeof u.cost === "number" && Number.isFinite(u.cost) && u.cost >= 0 ? u.cost : undefined;
  return withCost({ in: u.prompt_tokens, out: u.completion_tokens, estimated: false }, reportedCost, price);
}

/**
 * What a call probably used when the server did not say: about four UTF-8 bytes a token, of
 * the prompt (messages' text and tool-call arguments, the tool specs) and of the answer (text
 * and tool-call arguments).
 */
export function estimatedUsage(
  prompt: { readonly messages: readonly ChatMessage[]; readonly tools: readonly ToolSpec[] },
  answer: { readonly content: string; readonly toolCalls: readonly ToolCall[] },
  price: ModelPrice | undefined,
): ModelUsage {
  let inBytes = 0;
  for (const m of prompt.messages) inBytes += utf8Bytes(m.content) + callBytes(m.toolCalls ?? []);
  for (const t of prompt.tools) inBytes += utf8Bytes(JSON.stringify(t));
  const outBytes = utf8Bytes(answer.content) + callBytes(answer.toolCalls);
  return withCost({ in: tokens(inBytes), out: tokens(outBytes), estimated: true }, undefined, price);
}

/** USD for `inTokens` and `outTokens` at `price`. */
export function costOf(price: ModelPrice, inTokens: number, outTokens: number): number {
  return (inTokens * price.inPerMTok + outTokens * price.outPerMTok) / 1_000_000;
}

/** Bytes of `s` in UTF-8, counted without encoding it. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        n += 4; // a surrogate pair is one 4-byte character
        i++;
      } else n += 3;
    } else n += 3; // a lone surrogate is encoded as U+FFFD, 3 bytes
  }
  return n;
}

function tokens(bytes: number): number {
  return Math.ceil(bytes / 4);
}

function callBytes(calls: readonly ToolCall[]): number {
  let n = 0;
  for (const c of calls) n += utf8Bytes(c.arguments);
  return n;
}

function withCost(u: ModelUsage, reported: number | undefined, price: ModelPrice | undefined): ModelUsage {
  const costUsd = reported ?? (price === undefined ? undefined : costOf(price, u.in, u.out));
  return costUsd === undefined ? u : { ...u, costUsd };
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}
