/**
 * Asking and being answered: requests and handoffs we wait for (tracked in PendingRequests),
 * fire-and-forget tasks and broadcasts whose answers we still accept, and the routing of every
 * ack, stream chunk and response that arrives on our response subject.
 */
import type {
  AckMessage,
  HandoffMessage,
  RequestMessage,
  ResponseMessage,
  StreamMessage,
} from "../../protocol";
import { NoAgentError } from "../errors";
import { PendingRequests } from "../pending-requests";
import type { Rejections } from "../rejections";
import type { Wire } from "./wire";

/** How many fire-and-forget sends we remember, so their answers are recognised. */
const REMEMBERED_SENDS = 1_000;

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly onStream?: ((chunk: StreamMessage) => void) | undefined;
  /** With a log: the agent did not ack in time, so it is away and the task waits for it. */
  readonly onQueued?: (() => void) | undefined;
}

/** What we remember of a send we do not wait for: a task (only its target may answer) or a broadcast. */
export type Sent = { readonly kind: "task"; readonly to: string } | typeof BROADCAST;
/** One object for every broadcast: nothing per send to remember but the id. */
export const BROADCAST = { kind: "broadcast" } as const;

export class Requester {
  private readonly pending = new PendingRequests();
  /** Tasks sent without waiting and broadcasts, whose answers we accept (broadcasts get many). */
  /** For a task, who it went to (only they may answer); for a broadcast, anyone may. */
  private readonly sent = new Map<string, Sent>();

  constructor(
    private readonly wire: Wire,
    private readonly ackTimeoutMs: number,
    private readonly rejections: Rejections,
    /** Gets the answers to what we sent without waiting. */
    private readonly onAnswer: (m: ResponseMessage) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Remembers a task or broadcast sent without waiting, so its answers are accepted. */
  remember(id: string, sent: Sent): void {
    this.sent.set(id, sent);
    if (this.sent.size > REMEMBERED_SENDS) {
      const oldest = this.sent.keys().next().value;
      if (oldest !== undefined) this.sent.delete(oldest);
    }
  }

  /** Publishes `m` (whose replyTo is set) and resolves with its response. */
  ask(m: RequestMessage | HandoffMessage, subject: string, o: WaitOptions): Promise<ResponseMessage> {
    // The target answers on this subject, so the server's "no responders" status arrives here too.
    const replyTo = m.replyTo ?? this.wire.subjects.response(this.wire.name, m.id, m.to);
    const answer = this.pending.track(m.id, {
      to: m.to,
      timeoutMs: o.timeoutMs,
      ackTimeoutMs: this.ackTimeoutMs,
      signal: o.signal,
      onStream: o.onStream,
      onQueued: o.onQueued,
      flush: () => this.wire.nc.flush(),
      // Nobody waits for the answer any more: ask the agent to stop working on it.
      onAbandon: (why) =>
        this.wire.send(this.wire.subjects.cancel(m.to, this.wire.name), () =>
          this.wire.compose("cancel", { to: m.to, content: why, inReplyTo: m.id }, { threadId: m.threadId }),
        ),
    });
    try {
      this.wire.publish(subject, m, replyTo);
    } catch (e) {
      this.pending.fail(m.id, e);
    }
    return answer;
  }

  /** An ack, stream chunk or response on our response subject. */
  answer(m: AckMessage | StreamMessage | ResponseMessage, subject: string): void {
    switch (m.type) {
      case "ack":
        if (!this.pending.acknowledge(m.inReplyTo, m.from)) this.unexpected(m, subject);
        return;
      case "stream":
        if (!this.pending.stream(m) && !this.accepts(m)) this.unexpected(m, subject);
        return;
      case "response": {
        if (this.pending.settle(m)) return;
        if (!this.accepts(m)) return this.unexpected(m, subject);
        if (this.sent.get(m.inReplyTo)?.kind === "task") this.sent.delete(m.inReplyTo); // a broadcast may get many answers
        this.onAnswer(m);
        return;
      }
    }
  }

  /** Whether `m` answers something we sent without waiting, from someone who may answer it. */
  private accepts(m: StreamMessage | ResponseMessage): boolean {
    const sent = this.sent.get(m.inReplyTo);
    return sent !== undefined && (sent.kind === "broadcast" || sent.to === m.from);
  }

  /** The server's "no responders" status on one of our response subjects. */
  noResponders(subject: string): void {
    const parsed = this.wire.subjects.parse(subject);
    if (parsed?.kind !== "response") return;
    const to = this.pending.targetOf(parsed.id);
    if (to !== undefined) this.pending.fail(parsed.id, new NoAgentError(to));
  }

  failAll(reason: Error): void {
    this.pending.failAll(reason);
  }

  private unexpected(m: AckMessage | StreamMessage | ResponseMessage, subject: string): void {
    const sent = this.sent.get(m.inReplyTo);
    const target = this.pending.targetOf(m.inReplyTo) ?? (sent?.kind === "task" ? sent.to : undefined);
    if (target !== undefined && target !== m.from) {
      // Someone else answering a task we gave another: never taken for the answer.
      this.rejections.record("spoofed", `${m.from} answers a task given to ${target}`, subject);
      return;
    }
    // A task that expired while waiting for an away agent is answered "expired" even if we gave
    // up on it long ago: news, not an error.
    if (m.type === "response" && m.error?.code === "expired") return;
    this.rejections.record(
      "unknown_request",
      `${m.type} from ${m.from} to unknown or finished task ${m.inReplyTo}`,
      subject,
    );
  }
}
