/**
 * The runtime knows the LLM only through this interface. `OpenAIChatModel` implements it for
 * any OpenAI-compatible server (LM Studio, the offline model); tests can script their own.
 */
import type { ErrorCode } from "../../lib/protocol";

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant" | "tool";
  readonly content: string;
  readonly toolCalls?: readonly ToolCall[];
  readonly toolCallId?: string;
}

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** Raw JSON text as the model wrote it; validated by the tool's schema before use. */
  readonly arguments: string;
}

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>; // JSON Schema
}

/** What one model call used, from the API's `usage`; `estimated` when the server reported none. */
export interface ModelUsage {
  readonly in: number;
  readonly out: number;
  readonly estimated: boolean;
  /** US dollars, when the server reported a cost (OpenRouter-style `usage.cost`). */
  readonly costUsd?: number;
}

export interface ModelTurn {
  readonly content: string;
  readonly toolCalls: readonly ToolCall[];
  /** Tokens in and out; a model that cannot tell leaves it out and the runner estimates. */
  readonly usage?: ModelUsage;
}

export interface CompleteOptions {
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolSpec[];
  readonly signal: AbortSignal;
  /** When given, the answer is streamed and each text piece reported as it arrives. */
  readonly onDelta?: (text: string) => void;
  /** `max_tokens` for this call (the smaller of the definition's and what the budget has left). */
  readonly maxTokens?: number;
}

export interface ChatModel {
  readonly id: string;
  complete(options: CompleteOptions): Promise<ModelTurn>;
}

/** Why a model call failed, in the words an error response will carry. */
export const MODEL_FAILURES = [
  "unreachable",
  "timeout",
  "rate_limited",
  "server_error",
  "bad_response",
  "busy",
  "aborted",
] as const;
export type ModelFailure = (typeof MODEL_FAILURES)[number];

/** The error code a failed run answers with, per model failure (typed against the vocabulary). */
export const MODEL_FAILURE_CODES = {
  unreachable: "llm_unreachable",
  timeout: "llm_timeout",
  rate_limited: "llm_rate_limited",
  server_error: "llm_server_error",
  bad_response: "llm_bad_response",
  busy: "llm_busy",
  aborted: "llm_aborted",
} as const satisfies Record<ModelFailure, ErrorCode>;

export class ModelError extends Error {
  override readonly name = "ModelError";
  constructor(
    readonly kind: ModelFailure,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
