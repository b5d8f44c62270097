/**
 * The offline model's "brain": fixed rules that map an OpenAI chat request to a reply.
 * It is not an LLM and never pretends to be one; every free-text answer says so.
 * Pure and deterministic, so tests can predict every reply from the request alone.
 */

import { mentionedCapability, mentions } from "../../lib/registry/capability-words";

export { mentions, stem } from "../../lib/registry/capability-words";

export interface ChatContentPart {
  type: string;
  text?: string;
}

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content?: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters?: unknown };
}

export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
}

export interface DecidedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export type Decision = { type: "text"; content: string } | { type: "tool_calls"; calls: DecidedToolCall[] };

export const LABEL = "[offline model]";
export const USER_TEXT_LIMIT = 200;

const NAME = "[A-Za-z0-9][A-Za-z0-9_-]*";
const WEATHER_WORDS = /\b(weather|forecasts?|temperatures?|rain(s|y|ing)?|sunny|wind(s|y)?)\b/i;
// The capitalized word(s) after "in"/"for": "weather in New York tomorrow" -> "New York".
const CITY = /\b(?:[Ii]n|[Ff]or)\s+(\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*)*)/gu;
const LONG_TEXT =
  `${LABEL} This is a deliberately long answer from Switchboard's built-in offline model, which is not ` +
  "a real LLM. It exists so that tests can watch a reply arrive word by word over a stream, and can " +
  "cancel it halfway through. Nothing here was generated: the same request always yields these same " +
  "sixty or so words, in this order, at a steady pace, until the stream ends.";

export function decide(request: ChatRequest): Decision {
  const messages = request.messages;
  const system = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => textOf(m.content))
    .join("\n");
  // Only the instructions section is followed; the roster after it is data (see parseRoster).
  const { instructions } = sections(system);
  const self = instructions.match(new RegExp(`You are (${NAME})\\.`))?.[1];
  const ownCaps = listAfter(instructions, "Your capabilities:");
  const message = readIncoming(lastUserText(messages));
  const userText = message.text;
  const tools = new Set((request.tools ?? []).map((t) => t.function.name));

  // a. A tool just answered: report what it said and end the turn, so a conversation always terminates.
  if (messages.at(-1)?.role === "tool") return text(`${LABEL} ${toolResultsText(messages)}`);

  // b. Test hooks.
  if (userText.includes("#json-in-text")) {
    return text(`{"tool": "get_weather", "arguments": {"city": "Paris"}}`);
  }
  const sayHandoff = userText.match(new RegExp(`#say-handoff (${NAME})`))?.[1];
  if (sayHandoff) return text(`I'll hand this to ${sayHandoff}.`);
  if (userText.includes("#stream-long")) return text(LONG_TEXT);
  // `#fan-out @NAME N`: N messages to NAME in one turn (the runtime's fan-out limit stops the rest).
  const fan = userText.match(new RegExp(`#fan-out @(${NAME}) (\\d{1,3})`));
  if (fan && tools.has("send_direct")) {
    const n = Number(fan[2]);
    const calls = Array.from({ length: n }, (_, i) => ({
      name: "send_direct",
      arguments: { agent: fan[1]!, message: `@${fan[1]!} fan-out message ${i + 1} of ${n}` },
    }));
    return { type: "tool_calls", calls };
  }

  // c0. Forced forwarding, when the agent's own instructions say so: every message, a broadcast
  // included, is sent on to that agent (what a "pass everything on" agent does; loops of it are
  // what the hop limit stops).
  const forward = instructions.match(new RegExp(`Always send every message to @(${NAME})`))?.[1];
  if (forward && forward !== self && tools.has("send_direct")) {
    return call("send_direct", { agent: forward, message: message.task });
  }

  // f (checked early). A broadcast is not a task for this agent: no handoffs or tool calls, speak only
  // when it concerns one of our own capabilities, so one broadcast does not set off every agent at once.
  if (message.kind === "broadcast") {
    const cap = ownCaps.find((c) => mentions(userText, c));
    return text(cap ? `${LABEL} ${self ?? "assistant"} here: I can help with ${cap}.` : "NOTHING");
  }

  // c. Forced handoff, when the agent's own instructions say so (never to ourselves, which would
  // loop forever).
  const forced = instructions.match(new RegExp(`Always hand off every task to (${NAME})`))?.[1];
  if (forced && forced !== self && tools.has("handoff")) {
    return call("handoff", {
      agent: forced,
      task: message.task,
      progress: "",
      reason: "instructed to hand off",
    });
  }

  // d. Weather questions go to the weather tool.
  if (tools.has("get_weather") && WEATHER_WORDS.test(userText)) {
    return call("get_weather", { city: cityIn(userText) ?? "Oslo" });
  }

  // e. Capability routing to another agent in the roster, unless we can do it ourselves: two agents
  // whose capabilities both appear in the text would otherwise hand the task back and forth forever.
  // Routing reads the request as asked (a handoff's task), not the reason or progress another
  // model wrote, the same words the runtime checks a delegation against.
  const route = ownCaps.some((c) => mentions(userText, c))
    ? undefined
    : findRoute(system, self, message.task);
  if (route) {
    if (tools.has("handoff")) {
      return call("handoff", {
        agent: route.agent,
        task: message.task,
        progress: `Identified that this needs ${route.cap}`,
        reason: `${route.agent} has the ${route.cap} capability`,
      });
    }
    if (tools.has("request_agent"))
      return call("request_agent", { agent: route.agent, question: message.task });
  }

  // g. Canned reply.
  const shown = userText.length > USER_TEXT_LIMIT ? `${userText.slice(0, USER_TEXT_LIMIT)}…` : userText;
  return text(
    `${LABEL} ${self ?? "assistant"} (running on Switchboard's built-in offline model, not a real LLM) ` +
      `received: "${shown}"`,
  );
}

/** The text of a message's content, whether a plain string or an array of content parts. */
function textOf(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p) => (p.type === "text" && typeof p.text === "string" ? p.text : ""))
    .filter(Boolean)
    .join("\n");
}

// The prompt layout of agents/runtime/steps/orient.ts: the agent's instructions, then the roster
// as one JSON object per line between these two lines.
const ROSTER_HEADER = /^## Other agents online\b/;
const ROSTER_END = /^## End of the list of other agents\b/;

/** A system prompt split into its instructions (before the roster header) and roster lines. */
export function sections(system: string): { instructions: string; roster: string[] } {
  const lines = system.split("\n");
  const at = lines.findIndex((l) => ROSTER_HEADER.test(l));
  if (at < 0) return { instructions: system, roster: [] };
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => ROSTER_END.test(l));
  return { instructions: lines.slice(0, at).join("\n"), roster: end < 0 ? rest : rest.slice(0, end) };
}

/** Agents listed in the roster section as `{"name": ..., "capabilities": [...], ...}` lines. */
export function parseRoster(system: string): { agent: string; caps: string[] }[] {
  const agents: { agent: string; caps: string[] }[] = [];
  for (const line of sections(system).roster) {
    if (!line.startsWith("{")) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof entry !== "object" || entry === null) continue;
    const { name, capabilities } = entry as { name?: unknown; capabilities?: unknown };
    if (typeof name !== "string" || !new RegExp(`^${NAME}$`).test(name)) continue;
    const caps = Array.isArray(capabilities)
      ? capabilities.filter((c): c is string => typeof c === "string" && c.trim() !== "")
      : [];
    agents.push({ agent: name, caps: caps.map((c) => c.trim()) });
  }
  return agents;
}

export interface IncomingMessage {
  /** `plain` when the user turn is not in Switchboard's framing (a raw API client). */
  readonly kind: "message" | "request" | "broadcast" | "handoff" | "plain";
  /** What the rules read: the message, or a handoff's task, progress and reason. */
  readonly text: string;
  /** What a handoff or question passes on: the message, or a handoff's task. */
  readonly task: string;
}

const FRAMED = new RegExp(`^\\[(message|request|broadcast|handoff) from ${NAME}\\][^\\n]*\\n(.*)$`, "s");

/**
 * The user turn unwrapped: `[KIND from NAME] ...` then the sender's words as one JSON line (a string,
 * or a handoff's `{task, progress, reason}`). Unframed text is read as it is; there a leading
 * `[broadcast from NAME]` still marks a broadcast.
 */
export function readIncoming(user: string): IncomingMessage {
  const m = FRAMED.exec(user);
  if (m !== null) {
    const kind = m[1] as "message" | "request" | "broadcast" | "handoff";
    let body: unknown;
    try {
      body = JSON.parse(m[2] ?? "");
    } catch {
      body = undefined;
    }
    if (typeof body === "string") return { kind, text: body.trim(), task: body.trim() };
    if (typeof body === "object" && body !== null && typeof (body as { task?: unknown }).task === "string") {
      const h = body as { task: string; progress?: unknown; reason?: unknown };
      const parts = [h.task, h.progress, h.reason].filter(
        (p): p is string => typeof p === "string" && p !== "",
      );
      return { kind, text: parts.join("\n").trim(), task: h.task.trim() };
    }
  }
  return { kind: user.startsWith("[broadcast from ") ? "broadcast" : "plain", text: user, task: user };
}

/**
 * The first agent in the roster that declares a capability the request mentions, a specific one
 * ("everything" or "questions" name no skill). Only names and capabilities are read: whatever a
 * description says, it never makes an agent a route.
 */
function findRoute(system: string, self: string | undefined, request: string) {
  for (const { agent, caps } of parseRoster(system)) {
    if (agent === self) continue;
    const cap = mentionedCapability(request, caps);
    if (cap) return { agent, cap };
  }
  return undefined;
}

function toolResultsText(messages: ChatMessage[]): string {
  let start = messages.length;
  while (start > 0 && messages[start - 1]?.role === "tool") start--;
  const caller = messages[start - 1];
  const names = new Map((caller?.tool_calls ?? []).map((c) => [c.id, c.function.name]));
  const parts = messages.slice(start).map((m) => {
    const raw = textOf(m.content);
    const name = m.tool_call_id ? names.get(m.tool_call_id) : m.name;
    return name === "get_weather" ? (summaryOf(raw) ?? raw) : raw;
  });
  return parts.join("\n").trim() || "(the tool returned nothing)";
}

function summaryOf(raw: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === "object" && "summary" in parsed && typeof parsed.summary === "string") {
      return parsed.summary;
    }
  } catch {
    // Plain-text tool results are used as they are.
  }
  return undefined;
}

function cityIn(text: string): string | undefined {
  for (const m of text.matchAll(CITY)) {
    const city = m[1]?.replace(/[^\p{L}]+$/u, "");
    if (city) return city;
  }
  return undefined;
}

function lastUserText(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === "user") return textOf(m.content).trim();
  }
  return "";
}

function listAfter(system: string, prefix: string): string[] {
  for (const line of system.split("\n")) {
    const at = line.indexOf(prefix);
    if (at >= 0) return splitList(line.slice(at + prefix.length).replace(/\.\s*$/, ""));
  }
  return [];
}

function splitList(list: string): string[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function text(content: string): Decision {
  return { type: "text", content };
}

function call(name: string, args: Record<string, unknown>): Decision {
  return { type: "tool_calls", calls: [{ name, arguments: args }] };
}
