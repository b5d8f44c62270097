/**
 * Which channels a message appears in, Slack-style: `#all` for broadcasts (and their answers),
 * `#handoffs`, `#requests` (requests and their answers), `#heartbeats` (hidden unless asked),
 * `#raw` for everything under the root, and one direct-message channel per agent with all it
 * sent or received. Pure: the store and tests share it.
 */
import type { AgentMessage } from "../protocol";

export type ChannelKey = "all" | "handoffs" | "requests" | "heartbeats" | "raw" | `dm:${string}`;

export const FIXED_CHANNELS = [
  { key: "all", label: "all", hint: "broadcasts and their answers" },
  { key: "handoffs", label: "handoffs", hint: "tasks passed between agents" },
  { key: "requests", label: "requests", hint: "questions and answers" },
  { key: "raw", label: "raw", hint: `every subject under the root` },
  { key: "heartbeats", label: "heartbeats", hint: "liveness, every interval" },
] as const satisfies readonly { key: ChannelKey; label: string; hint: string }[];

export const dm = (name: string): ChannelKey => `dm:${name}`;

/** `original` is the message this one answers, when known (to place answers beside questions). */
export function channelsOf(m: AgentMessage, original: AgentMessage | undefined, me: string): ChannelKey[] {
  const out: ChannelKey[] = [];
  const people = (...names: (string | undefined)[]) => {
    for (const n of names) if (n !== undefined && n !== me && !out.includes(dm(n))) out.push(dm(n));
  };
  switch (m.type) {
    case "heartbeat":
      return ["heartbeats"];
    case "stream":
      return []; // partial text lives with its task, not as messages
    case "presence":
    case "discover":
      return ["raw"];
    case "stop":
      out.push("all", "raw");
      return out;
    case "announcement":
      out.push("all", "raw");
      people(m.from);
      return out;
    case "direct":
    case "cancel":
      out.push("raw");
      people(m.from, m.to);
      return out;
    case "request":
      out.push("requests", "raw");
      people(m.from, m.to);
      return out;
    case "handoff":
      out.push("handoffs", "raw");
      people(m.from, m.to);
      return out;
    case "ack":
      return ["raw"];
    case "response":
      if (original?.type === "announcement") out.push("all");
      else if (original?.type === "handoff") out.push("handoffs");
      else out.push("requests");
      out.push("raw");
      people(m.from, m.to);
      return out;
  }
}

export function channelLabel(key: ChannelKey): string {
  return key.startsWith("dm:") ? key.slice(3) : `#${key}`;
}
