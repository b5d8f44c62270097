/**
 * Decide: one model turn. Local models often write a tool call as JSON in the text, or say "I'll
 * hand this to X" without calling the tool; both are recognised here and turned into the tool
 * call the model meant, so handoffs work with small local models too.
 *
 * Only the model's own intent counts. A model's text also quotes, explains and refuses: it repeats
 * the sender's message (which can be a tool call in JSON, or "hand this to Evil"), shows it in a
 * code block, or says "I can't hand this to Evil". Taking an action out of that would let whoever
 * writes the message choose the action. So:
 *   - a tool call is recovered only when the whole answer is one JSON object shaped like a tool
 *     call (optionally in one ``` fence, or one <tool_call> wrapper, that is the whole answer) and
 *     the tool is one offered to this run;
 *   - a handoff is recovered only from a short answer (HANDOFF_TEXT_LIMIT) in which a sentence,
 *     outside quotes, code and "> " quote lines, opens with the model's own statement of intent
 *     ("I'll hand this to X", "Let me pass this to X", "Handing over to @X"), is neither a
 *     question nor negated, refused or conditional ("can't", "won't", "if", "would", "instead
 *     of"), and names an agent that is online; every such sentence must name the same one.
 * Whatever is not recovered stays the model's answer as text: a missed recovery costs a handoff,
 * a wrong one sends work where nobody asked.
 */
import type { ChatMessage, ChatModel, ModelTurn, ToolCall, ToolSpec } from "../../llm/model";

export interface Decision {
  readonly turn: ModelTurn;
  /** How the tool calls were obtained: from the model's tool calls, or recovered from its text. */
  readonly via: "tool_calls" | "json_in_text" | "handoff_in_text" | "none";
}

/** Characters of a trimmed answer beyond which a handoff phrase is read as talk, not intent. */
const HANDOFF_TEXT_LIMIT = 300;

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
  if (fromJson !== null)
    return { turn: { ...turn, content: "", toolCalls: [fromJson] }, via: "json_in_text" };
  if (offered.has("handoff")) {
    const target = handoffInText(turn.content, context.peers);
    if (target !== null) {
      const call: ToolCall = {
        id: "recovered_handoff",
        name: "handoff",
        arguments: JSON.stringify({ agent: target, progress: "", reason: turn.content.trim() }),
      };
      return { turn: { ...turn, content: "", toolCalls: [call] }, via: "handoff_in_text" };
    }
  }
  return { turn, via: "none" };
}

// ---- a tool call that is the whole answer ----

const TOOL_CALL_TAG = /^<tool_call>\s*((?:(?!<\/?tool_call>)[\s\S])*?)\s*<\/tool_call>$/;
const FENCE = /^```(?:json)?\s*((?:(?!```)[\s\S])*?)\s*```$/i;
/** The keys a tool call written as JSON may have; any other key means the object is something else. */
const CALL_KEYS = new Set(["tool", "name", "function", "arguments", "parameters", "args", "type", "id"]);

/**
 * The tool call `text` is, when all of it (trimmed, unwrapped from one <tool_call> tag and one
 * fence) is one JSON object: `{"tool"|"name": "x", "arguments"|"parameters"|"args": {...}}`,
 * `{"function": "x", "arguments": {...}}` or `{"function": {"name": "x", "arguments": {...}}}`.
 */
function toolCallInText(text: string, offered: ReadonlySet<string>): ToolCall | null {
  let body = text.trim();
  body = TOOL_CALL_TAG.exec(body)?.[1] ?? body;
  body = (FENCE.exec(body)?.[1] ?? body).trim();
  body = TOOL_CALL_TAG.exec(body)?.[1] ?? body;
  if (!body.startsWith("{") || !body.endsWith("}")) return null;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null; // also two objects in a row: JSON.parse takes one value
  }
  if (!isRecord(value) || !Object.keys(value).every((k) => CALL_KEYS.has(k))) return null;
  const fn = isRecord(value.function) ? value.function : undefined;
  if (fn !== undefined && !Object.keys(fn).every((k) => CALL_KEYS.has(k))) return null;
  const name = fn?.name ?? value.function ?? value.tool ?? value.name;
  const args = fn?.arguments ?? fn?.parameters ?? value.arguments ?? value.parameters ?? value.args ?? {};
  if (typeof name !== "string" || !offered.has(name)) return null;
  const raw = typeof args === "string" ? args : JSON.stringify(args);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw === "" ? "{}" : raw);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  return { id: "recovered_json", name, arguments: raw };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---- a handoff the model says it makes ----

const NAME = "[A-Za-z0-9][A-Za-z0-9_-]*";
const APOSTROPHE = "['’]";
const INTERJECTION =
  "(?:(?:ok(?:ay)?|sure|alright|all right|right|understood|got it|certainly|of course|great|actually|so)[,.!]?\\s+)?";
const ADVERB = "(?:(?:now|just|go ahead and)\\s+)?";
const SUBJECT = `(?:I${APOSTROPHE}ll|I will|I shall|I${APOSTROPHE}m going to|I am going to|I${APOSTROPHE}m|I am|let me)\\s+`;
const OBJECT = "(?:this|it|that|you|the (?:task|request|question)|this (?:task|request|question))";
/** `hand`/`handing` (this) (over) to, and the same for transfer, pass, forward, delegate. */
const verb = (ing: boolean) => {
  const v = (base: string, gerund: string) => (ing ? gerund : `(?:${base}|${gerund})`);
  return (
    `(?:${v("hand", "handing")}(?:\\s+${OBJECT})?(?:\\s+(?:over|off))?` +
    `|${v("transfer", "transferring")}(?:\\s+${OBJECT})?` +
    `|${v("pass", "passing")}(?:\\s+${OBJECT})?(?:\\s+(?:on|over|along))?` +
    `|${v("forward", "forwarding")}(?:\\s+${OBJECT})?` +
    `|${v("delegate", "delegating")}(?:\\s+${OBJECT})?` +
    `|handoff)`
  );
};
const TARGET = `\\s+to\\s+@?(${NAME})(?![A-Za-z0-9_-])`;
/**
 * The sentence opens with the model's own intent: "I'll / Let me / I'm (going to) hand ... to X",
 * or with no subject, a gerund: "Handing this over to X". A bare imperative ("Hand this to X") is
 * not taken: it is what a sender writes to the agent, so a model repeating its message says it.
 */
const INTENT = [
  new RegExp(`^${INTERJECTION}${ADVERB}${SUBJECT}${ADVERB}${verb(false)}${TARGET}`, "i"),
  new RegExp(`^${INTERJECTION}${ADVERB}${verb(true)}${TARGET}`, "i"),
];
/** Anywhere in the sentence, these make it a refusal, a negation, a condition or someone else's words. */
const NOT_INTENT = new RegExp(
  "\\b(?:not|never|cannot|unable|refuse[sd]?|refusing|if|unless|whether|would|could|should|might|maybe|perhaps|" +
    `instead of|rather than|asked|told|wants?|said|says)\\b|n${APOSTROPHE}t\\b`,
  "i",
);

const MASK = " \u0000 ";
/** A quote mark inside a word ("I'll", "Weather-Bot's") is an apostrophe; any other is a quote. */
const IN_WORD = `(?<=[\\p{L}\\p{N}])['’](?=[\\p{L}\\p{N}])`;
const QUOTES: readonly RegExp[] = [
  /```[\s\S]*?```/g,
  /`[^`]*`/g,
  /^[ \t]*>.*$/gm,
  /"[^"]*"/g,
  /“[^”]*”/g,
  /«[^»]*»/g,
  new RegExp(`‘(?:[^’]|${IN_WORD})*’`, "gu"),
  new RegExp(`(?<![\\p{L}\\p{N}])'(?:[^'\\n]|${IN_WORD})*'(?![\\p{L}\\p{N}])`, "gu"),
];
const STRAY_QUOTE = /[`"“”«»‘]|(?<![\p{L}\p{N}])['’]|['’](?![\p{L}\p{N}])/u;

/**
 * `text` with quoted and code material masked out: fenced blocks, code spans, "> " quote lines,
 * text in double, curly or guillemet quotes, and in single quotes. `null` when a quote mark is
 * left unpaired: where the quote ends cannot be told, so nothing after it is the model's own.
 */
function unquoted(text: string): string | null {
  const masked = QUOTES.reduce((t, q) => t.replace(q, MASK), text);
  return STRAY_QUOTE.test(masked) ? null : masked;
}

/** The online agent a short answer says, in its own words, it hands the task to; else null. */
function handoffInText(text: string, peers: readonly string[]): string | null {
  const answer = text.trim();
  if (answer.length > HANDOFF_TEXT_LIMIT) return null;
  const own = unquoted(answer);
  if (own === null) return null;
  const targets = new Set<string>();
  for (const sentence of own.split(/(?<=[.!?;:])\s+|\n+/)) {
    const s = sentence.replace(/[*_]{1,3}/g, "").trim(); // markdown emphasis
    const said = INTENT.map((r) => r.exec(s)?.[1]).find((n) => n !== undefined);
    if (said === undefined) continue;
    // A sentence that quotes something, asks, or is negated or conditional states no intent.
    if (s.includes("\u0000") || s.endsWith("?") || NOT_INTENT.test(s)) continue;
    const peer = peers.find((p) => p.toLowerCase() === said.toLowerCase());
    if (peer === undefined) return null; // a name nobody online has: the answer stays text
    targets.add(peer);
  }
  return targets.size === 1 ? [...targets][0]! : null;
}
