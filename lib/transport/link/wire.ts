/**
 * The link's outgoing side: every envelope it sends is built here in the link's name and
 * published here. Sending is synchronous: the client buffers and writes once per tick, so a loop
 * of sends becomes one socket write. Bad names, oversized bodies and a closed link throw at once.
 */
import { headers, type NatsConnection } from "@nats-io/nats-core";
import {
  TRACEPARENT,
  compose,
  encodeMessage,
  traceparent,
  type AgentMessage,
  type ComposeOptions,
  type Subjects,
} from "../../protocol";
import { LinkClosedError, TaskCanceledError } from "../errors";
import type { Logger } from "../logger";
import type { Memory } from "./memory";
import { stopReason, type StoppedThreads } from "./stopped-threads";

/**
 * Whether `m` carries a W3C `traceparent` header (lib/protocol/trace.ts): every message of a
 * thread does, but for presence and heartbeats (in no thread) and a broadcast that starts a
 * thread of its own. Headers cost a sender about 2 us a message (measured: 8.9 -> 10.5-11.5 us per
 * broadcast), a fifth of a broadcast flood's throughput; a broadcast's trace id is derived from
 * its own id, so the answers that carry it still join it in one trace.
 */
function traced(m: AgentMessage): boolean {
  if (m.type === "announcement") return m.threadId !== m.id;
  return m.type !== "heartbeat" && m.type !== "presence";
}

/** Messages that pass work on: none may be sent in a stopped thread. */
const WORK: ReadonlySet<string> = new Set(["direct", "request", "handoff", "announcement"]);

export interface WireOptions {
  readonly nc: NatsConnection;
  readonly name: string;
  readonly subjects: Subjects;
  readonly maxHops: number;
  readonly maxMessageBytes: number;
  readonly log: Logger;
  /** Whether the link may still send (it is open). */
  readonly isOpen: () => boolean;
  /** Threads people stopped: no new work is sent in them. */
  readonly stopped: StoppedThreads;
}

export class Wire {
  readonly nc: NatsConnection;
  readonly name: string;
  readonly subjects: Subjects;
  readonly maxMessageBytes: number;
  sent = 0;
  /** The log, when the server keeps one: kept messages go through its outbox. */
  memory: Memory | null = null;

  constructor(private readonly o: WireOptions) {
    this.nc = o.nc;
    this.name = o.name;
    this.subjects = o.subjects;
    this.maxMessageBytes = o.maxMessageBytes;
  }

  get open(): boolean {
    return this.o.isOpen();
  }

  /** Builds a message from this link; throws LinkClosedError once the link is closed. */
  compose<T extends AgentMessage["type"]>(
    type: T,
    body: Parameters<typeof compose<T>>[2],
    options: ComposeOptions,
  ): Extract<AgentMessage, { type: T }> {
    if (!this.o.isOpen()) throw new LinkClosedError(this.name);
    const thread = options.cause?.threadId ?? options.threadId;
    const stop = thread === undefined || !WORK.has(type) ? undefined : this.o.stopped.get(thread);
    if (stop !== undefined) throw new TaskCanceledError(stop.by, stopReason(stop));
    return compose(type, this.name, body, { ...options, maxHops: this.o.maxHops });
  }

  /**
   * Encodes (validating) and publishes; throws on a bad or oversized message, or when the outbox
   * is full. With a log, a kept message goes through the outbox and `reply` is not used (an
   * answer's subject is in the envelope; a NATS reply would get the log's ack instead).
   */
  publish(subject: string, m: AgentMessage, reply?: string): void {
    const bytes = encodeMessage(m, this.maxMessageBytes);
    const trace = traced(m) ? traceparent(m.threadId, m.id) : undefined;
    if (this.memory?.keeps(m) === true)
      this.memory.outbox.send(subject, bytes, m.id, trace, this.liveSubject(m));
    else if (trace === undefined)
      this.nc.publish(subject, bytes, reply === undefined ? undefined : { reply });
    else {
      const h = headers();
      h.set(TRACEPARENT, trace);
      this.nc.publish(subject, bytes, reply === undefined ? { headers: h } : { reply, headers: h });
    }
    this.sent++;
  }

  /**
   * Where a task goes live when the log cannot store it (lib/transport/log/outbox.ts): built by
   * hand on this hot path, as the names in it were validated by encoding the message.
   */
  private liveSubject(m: AgentMessage): string | undefined {
    return m.type === "direct" || m.type === "request" || m.type === "handoff"
      ? `${this.subjects.root}.live.${m.to}.${m.from}`
      : undefined;
  }

  /**
   * Publishes with a reply subject, so a stream that captures `subject` acknowledges storing it;
   * resolves on that ack (or after `ms` without one). For the first presence with a log: once it
   * is stored, a request right after finds the agent in the directory.
   */
  async publishStored(subject: string, m: AgentMessage, ms: number): Promise<void> {
    const bytes = encodeMessage(m, this.maxMessageBytes);
    this.sent++;
    await this.nc.request(subject, bytes, { timeout: ms }).catch((e: unknown) => {
      this.o.log.warn(`${subject} was not stored within ${ms} ms: ${(e as Error).message}`);
    });
  }

  /** Publishes a message of the link's own making; failures are logged, never thrown. */
  send(subject: string, make: () => AgentMessage): boolean {
    try {
      this.publish(subject, make());
      return true;
    } catch (e) {
      this.o.log.warn(`could not publish on ${subject}: ${(e as Error).message}`);
      return false;
    }
  }

  /** Flushes, waiting at most `ms`; never rejects (closing must not hang on a dead server). */
  async flushWithin(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.nc.flush().catch(() => {}),
      new Promise<void>((r) => (timer = setTimeout(r, ms))),
    ]).finally(() => clearTimeout(timer));
  }
}
