/**
 * Does a decoded message belong on the subject it arrived on? A message that passes the schema
 * can still be aimed wrongly: addressed to someone else, answering on another task's channel,
 * asking us to reply somewhere of its choosing, or claiming a sender other than the one its
 * subject names (which the server bound to the publisher's credential). Returns the problem in
 * words with its reason, or null.
 */
import { SUBJECT_TYPES, spoofing, type AgentMessage, type Subjects } from "../../protocol";

export type Inbound = "direct" | "request" | "handoff" | "all" | "response" | "cancel" | "discover";

export interface RoutingProblem {
  readonly reason: "misrouted" | "spoofed";
  readonly detail: string;
}

const misrouted = (detail: string): RoutingProblem => ({ reason: "misrouted", detail });

export function misrouting(
  kind: Inbound,
  m: AgentMessage,
  subject: string,
  me: string,
  s: Subjects,
): RoutingProblem | null {
  if (!(SUBJECT_TYPES[kind] as readonly string[]).includes(m.type))
    return misrouted(`a ${m.type} message on a ${kind} subject`);
  const parsed = s.parse(subject);
  if (parsed === null) return misrouted(`${subject} is not a subject of ${s.root}`);
  const spoofed = spoofing(parsed, m);
  if (spoofed !== null) return { reason: "spoofed", detail: spoofed };
  if ("to" in m && m.to !== me) return misrouted(`addressed to ${m.to}, not ${me}`);
  switch (m.type) {
    case "ack":
    case "stream":
    case "response":
      if (parsed.kind !== "response" || parsed.id !== m.inReplyTo) {
        return misrouted(`answers ${m.inReplyTo} on the channel of another task`);
      }
      return null;
    case "handoff":
      return replyToProblem(m, me, s);
    case "request":
      return replyToProblem(m, me, s);
    default:
      return null;
  }
}

/** Answering anywhere but the sender's own answer channel would let it make us publish where it likes. */
function replyToProblem(
  m: { from: string; id: string; replyTo?: string | undefined },
  me: string,
  s: Subjects,
): RoutingProblem | null {
  if (m.replyTo === undefined || m.replyTo === s.response(m.from, m.id, me)) return null;
  return misrouted(`replyTo ${m.replyTo} is not where ${me} answers ${m.from}`);
}
