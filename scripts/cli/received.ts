/**
 * What `tail`, `history` and `search` make of bytes from the bus or the log: each message is
 * decoded with the protocol's own decoder and its `from` checked against the sender its subject
 * names, so what they print is what an agent would accept; what an agent would drop shows as a dim
 * "! dropped <reason>" line and is counted. The log holds whatever anyone with publish rights
 * sent, so a message read from it is as untrusted as one off the wire.
 */
import {
  decodeMessage,
  subjectMismatch,
  type AgentMessage,
  type RejectReason,
  type Subjects,
} from "../../lib/protocol";
import { out } from "./common";
import { formatDropped, formatMessage, type Style } from "./format";

export interface TailFilter {
  readonly agents: readonly string[];
  readonly types: readonly string[];
  readonly heartbeats: boolean;
}

/** The names a subject carries: its sender, and its receiver when it has one. */
export function parties(subject: string, s: Subjects): string[] {
  const parsed = s.parse(subject);
  if (parsed === null) return [];
  return "to" in parsed ? [parsed.from, parsed.to] : [parsed.from];
}

/** Whether a decoded message passes the filters. */
export function shows(m: AgentMessage, subject: string, f: TailFilter, s: Subjects): boolean {
  if (f.types.length > 0 && !f.types.includes(m.type)) return false;
  if (m.type === "heartbeat" && !f.heartbeats && !f.types.includes("heartbeat")) return false;
  if (f.agents.length === 0) return true;
  const to = (m as { to?: string }).to;
  const named = parties(subject, s);
  return f.agents.some((a) => m.from === a || to === a || named.includes(a));
}

export type Received =
  | { readonly ok: true; readonly message: AgentMessage }
  | {
      readonly ok: false;
      readonly reason: RejectReason;
      readonly detail: string;
      /** The message as it claims to be, when it decoded (a spoofed or misrouted one). */
      readonly claimed?: AgentMessage;
    };

/**
 * What an agent would make of the bytes: the message, or why it would drop it. A subject outside
 * the root's grammar (a --subject elsewhere) names no sender, so there is nothing to check it by.
 */
export function receive(subject: string, data: Uint8Array, s: Subjects): Received {
  const decoded = decodeMessage(data);
  if (!decoded.ok) return { ok: false, reason: decoded.error.reason, detail: decoded.error.message };
  const parsed = s.parse(subject);
  const problem = parsed === null ? null : subjectMismatch(parsed, decoded.message);
  if (problem !== null)
    return { ok: false, reason: problem.reason, detail: problem.detail, claimed: decoded.message };
  return { ok: true, message: decoded.message };
}

export interface PrinterOptions {
  readonly subjects: Subjects;
  readonly json: boolean;
  readonly width: number;
  readonly style: Style;
  /** Whether a message is wanted (the filters); a dropped one is shown when `wantsDropped` says so. */
  readonly wants: (m: AgentMessage, subject: string) => boolean;
  readonly wantsDropped: (subject: string, got: Extract<Received, { ok: false }>) => boolean;
}

/** Where a printed message came from: the log (its sequence number), or the wire. */
export interface Origin {
  readonly at: Date;
  readonly seq?: number;
}

/** Prints messages one line each (or one JSON object), counting what it shows, hides and drops. */
export class MessagePrinter {
  readonly counts = { shown: 0, hidden: 0, dropped: 0 };
  private readonly droppedBy = new Map<string, number>();

  constructor(private readonly o: PrinterOptions) {}

  /** Decodes and prints (or hides) one message; returns what it was. */
  print(subject: string, data: Uint8Array, origin: Origin): Received {
    const got = receive(subject, data, this.o.subjects);
    this.show(subject, got, origin);
    return got;
  }

  /** Prints (or hides) a message already decoded with `receive`. */
  show(subject: string, got: Received, origin: Origin): void {
    const seq = origin.seq === undefined ? {} : { seq: origin.seq, storedAt: origin.at.toISOString() };
    const line = { subject, receivedAt: origin.at, width: this.o.width, style: this.o.style };
    if (!got.ok) {
      if (!this.o.wantsDropped(subject, got)) {
        this.counts.hidden++;
        return;
      }
      this.counts.dropped++;
      this.droppedBy.set(got.reason, (this.droppedBy.get(got.reason) ?? 0) + 1);
      out(
        this.o.json
          ? JSON.stringify({ ...seq, subject, dropped: got.reason, detail: got.detail })
          : formatDropped(subject, got.reason, got.detail, line),
      );
      return;
    }
    if (!this.o.wants(got.message, subject)) {
      this.counts.hidden++;
      return;
    }
    this.counts.shown++;
    out(
      this.o.json
        ? JSON.stringify({ ...seq, subject, message: got.message })
        : formatMessage(got.message, line),
    );
  }

  /** "12 shown, 3 hidden, 1 dropped (spoofed 1)" */
  summary(): string {
    const reasons = [...this.droppedBy].map(([r, n]) => `${r} ${n}`).join(", ");
    const c = this.counts;
    return (
      `${c.shown} shown, ${c.hidden} hidden, ${c.dropped} dropped` + (reasons === "" ? "" : ` (${reasons})`)
    );
  }
}

/** The id a message claims, decoded or not (for dropping a second copy); undefined when unreadable. */
export function idOf(got: Received): string | undefined {
  return got.ok ? got.message.id : got.claimed?.id;
}
