/**
 * Does a decoded message belong on the subject it arrived on? A message that passes the schema
 * can still be aimed wrongly: addressed to someone else, answering on another task's channel, or
 * asking us to reply somewhere of its choosing (`misrouted`); or claim a sender other than the one
 * its subject names, which the server bound to the publisher's credential (`spoofed`).
 *
 * This runs for every message a link receives, so the subject is checked against prefixes made
 * once per link, without splitting it (splitting and parsing cost 8 % of receiving a broadcast in
 * a profile); only a message found wrong is parsed, to say what is wrong with it.
 */
import { SUBJECT_TYPES, spoofing, type AgentMessage, type Subjects } from "../../protocol";

export type Inbound = "direct" | "request" | "handoff" | "all" | "response" | "cancel" | "stop" | "discover";

export interface RoutingProblem {
  readonly reason: "misrouted" | "spoofed";
  readonly detail: string;
}

const misrouted = (detail: string): RoutingProblem => ({ reason: "misrouted", detail });
const DOT = 46;

export class Routes {
  /** What every subject of each kind starts with, for this link; the sender token follows. */
  private readonly prefix: Readonly<Record<Inbound, string>>;
  private readonly handoffSuffix: string;

  constructor(
    private readonly me: string,
    private readonly s: Subjects,
  ) {
    const r = s.root;
    this.prefix = {
      all: `${r}.all.`,
      direct: `${r}.direct.${me}.`,
      request: `${r}.request.${me}.`,
      cancel: `${r}.cancel.${me}.`,
      stop: `${r}.stop.`,
      discover: `${r}.discover.`,
      response: `${r}.response.${me}.`, // then {id}.{from}
      handoff: `${r}.handoff.`, // then {from}.to.{me}
    };
    this.handoffSuffix = `.to.${me}`;
  }

  /** The problem with `m` on `subject` (received as `kind`), or null when it belongs there. */
  problem(kind: Inbound, m: AgentMessage, subject: string): RoutingProblem | null {
    if (!(SUBJECT_TYPES[kind] as readonly string[]).includes(m.type))
      return misrouted(`a ${m.type} message on a ${kind} subject`);
    if (!this.sentBy(kind, subject, m.from)) return this.explain(kind, m, subject);
    if ("to" in m && m.to !== this.me) return misrouted(`addressed to ${m.to}, not ${this.me}`);
    switch (m.type) {
      case "ack":
      case "stream":
      case "response":
        // sentBy() found `{prefix}{something}.{from}`; the something must be this task's id.
        if (
          subject.length !== this.prefix.response.length + m.inReplyTo.length + 1 + m.from.length ||
          !subject.startsWith(m.inReplyTo, this.prefix.response.length)
        ) {
          return misrouted(`answers ${m.inReplyTo} on the channel of another task`);
        }
        return null;
      case "handoff":
      case "request":
        return this.replyToProblem(m);
      default:
        return null;
    }
  }

  /** Whether `subject` is one of this link's subjects of `kind` with `from` as its sender token. */
  private sentBy(kind: Inbound, subject: string, from: string): boolean {
    const p = this.prefix[kind];
    if (!subject.startsWith(p)) return false;
    if (kind === "handoff") {
      return (
        subject.length === p.length + from.length + this.handoffSuffix.length &&
        subject.startsWith(from, p.length) &&
        subject.endsWith(this.handoffSuffix)
      );
    }
    if (kind === "response") {
      // {id}.{from}: the sender is the last token (names and ids hold no dots).
      const at = subject.length - from.length;
      return at > p.length + 1 && subject.charCodeAt(at - 1) === DOT && subject.endsWith(from);
    }
    return subject.length === p.length + from.length && subject.startsWith(from, p.length);
  }

  /** Why `m` does not belong on `subject`: another sender (spoofed) or not our subject at all. */
  private explain(kind: Inbound, m: AgentMessage, subject: string): RoutingProblem {
    const parsed = this.s.parse(subject);
    if (parsed === null || parsed.kind !== kind || ("to" in parsed && parsed.to !== this.me))
      return misrouted(`${subject} is not a ${kind} subject of ${this.me}`);
    return { reason: "spoofed", detail: spoofing(parsed, m) ?? `from ${m.from} on ${subject}` };
  }

  /** Answering anywhere but the sender's own answer channel would let it make us publish where it likes. */
  private replyToProblem(m: {
    from: string;
    id: string;
    replyTo?: string | undefined;
  }): RoutingProblem | null {
    if (m.replyTo === undefined || m.replyTo === this.s.response(m.from, m.id, this.me)) return null;
    return misrouted(`replyTo ${m.replyTo} is not where ${this.me} answers ${m.from}`);
  }
}
