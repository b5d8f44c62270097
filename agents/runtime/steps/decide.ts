/**
 * Decide: one model turn. Local models often write a tool call as JSON in the text, or say "I'll
 * hand this to X" without calling the tool; both are recognised here and turned into the tool
 * call the model meant, so handoffs work with small local models too.
 */
import type { ChatMessage, ChatModel, ModelTurn, ToolCall, ToolSpec } from "../../llm/model";

export interface Decision {
  readonly turn: ModelTurn;
  /** How the tool calls were obtained: from the model's tool calls, or recovered from its text. */
  readonly via: "tool_calls" | "json_in_text" | "handoff_in_text" | "none";
}

export async function decide(
  model: ChatModel,
  messages: readonly ChatMessage[],
  tools: readonly ToolSpec[],
  signal: AbortSignal,
  context: { peers: readonly string[]; onDelta?: (text: string) => void },
): Promise<Decision> {
  const turn = await model.complete({
    messages,
    tools,
    signal,
    ...(context.onDelta === undefined ? {} : { onDelta: context.onDelta }),
  });
  if (turn.toolCalls.length > 0) return { turn, via: "tool_calls" };
  const offered = new Set(tools.map((t) => t.name));
  const fromJson = toolCallInText(turn.content, offered);
  if (fromJson !== null) return { turn: { content: "", toolCalls: [fromJson] }, via: "json_in_text" };
  if (offered.has("handoff")) {
    const target = handoffInText(turn.content, context.peers);
    if (target !== null) {
      const call: ToolCall = {
        id: "recovered_handoff",
        name: "handoff",
        arguments: JSON.stringify({ agent: target, progress: "", reason: turn.content.trim() }),
      };
      return { turn: { content: "", toolCalls: [call] }, via: "handoff_in_text" };
    }
  }
  return { turn, via: "none" };
}

/** `{"tool"|"name"|"function": "x", "arguments"|"parameters"|"args": {...}}` anywhere in the text. */
function toolCallInText(text: string, offered: ReadonlySet<string>): ToolCall | null {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return null;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  const fn = v.function;
  const name =
    v.tool ?? v.name ?? (typeof fn === "object" && fn !== null ? (fn as Record<string, unknown>).name : fn);
  const args =
    v.arguments ??
    v.parameters ??
    v.args ??
    (typeof fn === "object" && fn !== null ? (fn as Record<string, unknown>).arguments : undefined) ??
    {};
  if (typeof name !== "string" || !offered.has(name)) return null;
  return { id: "recovered_json", name, arguments: typeof args === "string" ? args : JSON.stringify(args) };
}

const HANDOFF_PHRASES =
  /\b(?:hand(?:ing)?(?: this| it| the task)?(?: over| off)? to|handoff to|transfer(?:ring)?(?: this| it)? to|pass(?:ing)?(?: this| it)? (?:on )?to|forward(?:ing)?(?: this| it)? to)\s+@?([A-Za-z0-9][A-Za-z0-9_-]*)/i;

/** The online agent a text says it hands the task to, if any. */
function handoffInText(text: string, peers: readonly string[]): string | null {
  const m = HANDOFF_PHRASES.exec(text);
  if (m === null || m[1] === undefined) return null;
  const said = m[1].toLowerCase();
  return peers.find((p) => p.toLowerCase() === said) ?? null;
}
