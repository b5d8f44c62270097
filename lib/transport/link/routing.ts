/**
 * Does a decoded message belong on the subject it arrived on? A message that passes the schema
 * can still be aimed wrongly: addressed to someone else, answering on another task's channel,
 * or asking us to reply somewhere of its choosing. Returns the problem in words, or null.
 */
import type { AgentMessage, Subjects } from "../../protocol";

export type Inbound = "direct" | "request" | "handoff" | "all" | "response" | "cancel" | "discover";

const EXPECTED_TYPE = {
  direct: ["direct"],
  request: ["request"],
  handoff: ["handoff"],
  all: ["announcement"],
  response: ["ack", "stream", "response"],
  cancel: ["cancel"],
  discover: ["discover"],
} as const satisfies Record<Inbound, readonly AgentMessage["type"][]>;

export function misrouting(
  kind: Inbound,
  m: AgentMessage,
  subject: string,
  me: string,
  s: Subjects,
): string | null {
  if (!(EXPECTED_TYPE[kind] as readonly string[]).includes(m.type))
    return `a ${m.type} message on a ${kind} subject`;
  if ("to" in m && m.to !== me) return `addressed to ${m.to}, not ${me}`;
  switch (m.type) {
    case "ack":
    case "stream":
    case "response": {
      const parsed = s.parse(subject);
      if (parsed?.kind !== "response" || parsed.id !== m.inReplyTo) {
        return `answers ${m.inReplyTo} on the channel of another task`;
      }
      return null;
    }
    case "handoff":
      if (subject !== s.handoff(m.from, m.to)) return `handoff from ${m.from} on ${subject}`;
      return replyToProblem(m, s);
    case "request":
      return replyToProblem(m, s);
    default:
      return null;
  }
}

/** Answering anywhere but the sender's own response subject would let it make us publish where it likes. */
function replyToProblem(
  m: { from: string; id: string; replyTo?: string | undefined },
  s: Subjects,
): string | null {
  if (m.replyTo === undefined || m.replyTo === s.response(m.from, m.id)) return null;
  return `replyTo ${m.replyTo} is not the response subject of ${m.from}`;
}
