/**
 * Checking what arrives: bytes become a message only if they decode, validate and belong on the
 * subject they came on, within the hop limit. Anything else is counted by reason, logged
 * (rate-limited) and dropped; nothing here throws, so one bad message never stops a subscription.
 */
import { decodeMessage, type AgentMessage, type Subjects, type TaskMessage } from "../../protocol";
import type { Rejections } from "../rejections";
import { Routes, type Inbound } from "./routing";

export type { Inbound };

export interface InboundOptions {
  readonly name: string;
  readonly subjects: Subjects;
  readonly maxHops: number;
  readonly maxMessageBytes: number;
  /** A task over the hop limit whose sender waits: it is told why instead of being ignored. */
  readonly onHopLimit: (m: TaskMessage, why: string) => void;
}

export class InboundCheck {
  private readonly routes: Routes;

  constructor(
    private readonly o: InboundOptions,
    readonly rejections: Rejections,
  ) {
    this.routes = new Routes(o.name, o.subjects);
  }

  /** Decodes and checks bytes that arrived on `subject`; null when dropped. */
  decode(kind: Inbound, subject: string, data: Uint8Array): AgentMessage | null {
    const decoded = decodeMessage(data, this.o.maxMessageBytes);
    if (!decoded.ok) {
      this.rejections.record(decoded.error.reason, decoded.error.message, subject);
      return null;
    }
    return this.check(kind, subject, decoded.message);
  }

  /**
   * As decode, but nothing is counted or logged: for a second copy of bytes that also arrive on a
   * subscription that counts them (a cancel comes live to every replica and again from the log).
   */
  quietly(kind: Inbound, subject: string, data: Uint8Array): AgentMessage | null {
    const decoded = decodeMessage(data, this.o.maxMessageBytes);
    if (!decoded.ok) return null;
    const m = decoded.message;
    return this.routes.problem(kind, m, subject) === null && m.hops <= this.o.maxHops ? m : null;
  }

  /**
   * A task's live copy, on `{root}.live.{me}.{from}` (lib/transport/log/outbox.ts): checked as if
   * it had come on its own task subject, which is returned with it; null when dropped.
   */
  decodeLive(subject: string, data: Uint8Array): { m: TaskMessage; subject: string } | null {
    const { name, subjects: s } = this.o;
    const prefix = `${s.root}.live.${name}.`;
    const decoded = decodeMessage(data, this.o.maxMessageBytes);
    if (!decoded.ok) {
      this.rejections.record(decoded.error.reason, decoded.error.message, subject);
      return null;
    }
    const m = decoded.message;
    const from = subject.startsWith(prefix) ? subject.slice(prefix.length) : "";
    let own: string;
    try {
      if (m.type === "direct") own = s.direct(name, from);
      else if (m.type === "request") own = s.request(name, from);
      else if (m.type === "handoff") own = s.handoff(from, name);
      else {
        this.rejections.record("misrouted", `a ${m.type} message on a live subject`, subject);
        return null;
      }
    } catch {
      this.rejections.record("misrouted", `${subject} is not a live subject of ${name}`, subject);
      return null;
    }
    const checked = this.check(m.type, own, m);
    return checked === null ? null : { m: checked as TaskMessage, subject: own };
  }

  /** Checks an already decoded message against the subject it came on; null when dropped. */
  check(kind: Inbound, subject: string, m: AgentMessage): AgentMessage | null {
    const { maxHops } = this.o;
    const problem = this.routes.problem(kind, m, subject);
    if (problem !== null) {
      this.rejections.record(problem.reason, problem.detail, subject);
      return null;
    }
    if (m.hops > maxHops) {
      this.rejections.record("hop_limit", `hop ${m.hops} is over the limit of ${maxHops}`, subject);
      if (m.type === "direct" || m.type === "request" || m.type === "handoff") {
        this.o.onHopLimit(m, `hop limit of ${maxHops} reached (agent loop?)`);
      }
      return null;
    }
    return m;
  }
}
