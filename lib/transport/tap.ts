/**
 * A batched, decoded tap of everything under a subject root (`{root}.>`): the dashboard's one
 * subscription, and what a CLI `tail` or the UI bench can watch the mesh with.
 *
 * The subscription callback only queues the raw bytes; decoding happens once per flush, and a
 * flush is asked of an injected scheduler (an animation frame in the browser, a microtask or
 * `setImmediate` in Node), so a burst of messages costs one callback, not one per message. The
 * queue is bounded: when a consumer falls behind (a frozen tab), the oldest raw messages are
 * dropped and counted. Bad messages never reach `onBatch` as messages: each is handed over as a
 * rejection (subject, reason, detail) for the caller to count and log as it likes. That includes
 * a message whose `from` is not the sender its subject names (`spoofed`): what the tap passes on
 * is from whom the server says it is.
 */
import type { Msg, NatsConnection, Subscription } from "@nats-io/nats-core";
import {
  decodeMessage,
  MAX_MESSAGE_BYTES,
  subjectMismatch,
  subjects as subjectsFor,
  type AgentMessage,
  type Subjects,
  type RejectReason,
} from "../protocol";
import { consoleLogger, type Logger } from "./logger";

export interface TappedMessage {
  readonly subject: string;
  readonly message: AgentMessage;
}

export interface TapRejection {
  readonly subject: string;
  readonly reason: RejectReason;
  readonly detail: string;
}

export interface TapBatch {
  /** Decoded messages in arrival order. */
  readonly messages: readonly TappedMessage[];
  readonly rejected: readonly TapRejection[];
  /** Raw messages dropped unread since the previous batch because the queue was full. */
  readonly dropped: number;
}

/** Runs `flush` once, soon. The tap asks again only after the previous flush ran. */
export type FlushScheduler = (flush: () => void) => void;

/** Node and tests: one batch per burst delivered in one turn of the event loop. */
export const microtaskScheduler: FlushScheduler = (flush) => queueMicrotask(flush);

export interface TapOptions {
  readonly connection: NatsConnection;
  /** Subject root (default "agents"): the tap subscribes to `{root}.>`. */
  readonly root?: string;
  readonly schedule: FlushScheduler;
  readonly onBatch: (batch: TapBatch) => void;
  /** Raw messages waiting for a flush; past it the oldest are dropped (default 50 000). */
  readonly maxPending?: number;
  readonly maxMessageBytes?: number;
  /** Where a throwing `onBatch` is reported (default: the console). */
  readonly logger?: Logger;
}

export interface TapStats {
  /** Raw messages taken in (subscription and `push`). */
  readonly received: number;
  readonly decoded: number;
  readonly rejected: number;
  readonly dropped: number;
  readonly pending: number;
}

interface Raw {
  readonly subject: string;
  readonly data: Uint8Array;
}

const DEFAULT_MAX_PENDING = 50_000;

export class Tap implements AsyncDisposable {
  readonly subject: string;
  /** Resolves when the tap stops: `null` after `close()`, the error if the connection died. */
  readonly closed: Promise<Error | null>;

  private readonly maxPending: number;
  private readonly maxBytes: number;
  private readonly log: Logger;
  private sub: Subscription | undefined;
  /** Raw messages from `head` on are waiting; those before it were dropped or flushed. */
  private pending: Raw[] = [];
  private head = 0;
  private scheduled = false;
  private droppedSinceBatch = 0;
  private counters = { received: 0, decoded: 0, rejected: 0, dropped: 0 };
  private readonly s: Subjects;
  private readonly livePrefix: string;
  private readonly takenPrefix: string;
  private state: "open" | "closed" = "open";
  private resolveClosed!: (e: Error | null) => void;

  private constructor(private readonly o: TapOptions) {
    this.s = subjectsFor(o.root);
    this.livePrefix = `${this.s.root}.live.`;
    this.takenPrefix = `${this.s.root}.taken.`;
    this.subject = this.s.wildcards.all;
    this.maxPending = Math.max(1, o.maxPending ?? DEFAULT_MAX_PENDING);
    this.maxBytes = o.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.log = o.logger ?? consoleLogger("tap", "warn");
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Subscribes and resolves once the server has the subscription. */
  static async start(options: TapOptions): Promise<Tap> {
    const tap = new Tap(options);
    const nc = options.connection;
    tap.sub = nc.subscribe(tap.subject, {
      callback: (err, msg) => {
        if (err === null) tap.take(msg);
      },
    });
    void nc.closed().then((err) => tap.end(err ?? new Error("the NATS connection closed")));
    await nc.flush();
    return tap;
  }

  get stats(): TapStats {
    return { ...this.counters, pending: this.pending.length - this.head };
  }

  /**
   * Hands bytes that arrived elsewhere (answers to "who is online?" come on a private inbox)
   * through the same decoding and batching.
   */
  push(subject: string, data: Uint8Array): void {
    if (this.state === "closed") return;
    this.counters.received++;
    this.pending.push({ subject, data });
    if (this.pending.length - this.head > this.maxPending) {
      this.head++;
      this.counters.dropped++;
      this.droppedSinceBatch++;
      // Drop references too, not just the index, or a consumer that never flushes still grows.
      if (this.head >= this.maxPending) {
        this.pending = this.pending.slice(this.head);
        this.head = 0;
      }
    }
    if (this.scheduled) return;
    this.scheduled = true;
    this.o.schedule(() => this.flush());
  }

  /** Stops listening; what is still queued is dropped. Idempotent. */
  async close(): Promise<void> {
    if (this.state === "open") {
      try {
        this.sub?.unsubscribe();
      } catch {
        // the connection is already closed: nothing to unsubscribe from
      }
      this.end(null);
    }
    await this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private take(msg: Msg): void {
    // A server status (no responders to a request whose reply subject we also match) has no
    // body and is nobody's message: not counted, not rejected.
    if (msg.data.byteLength === 0 && msg.headers?.code === 503) return;
    // A task's live copy (lib/transport/log/outbox.ts) follows a send the tap already heard, and
    // replicas' notices of what they took live (link/siblings.ts) are not messages.
    if (msg.subject.startsWith(this.livePrefix) || msg.subject.startsWith(this.takenPrefix)) return;
    this.push(msg.subject, msg.data);
  }

  private end(reason: Error | null): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.pending = [];
    this.head = 0;
    this.resolveClosed(reason);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.state === "closed") return;
    const raw = this.pending;
    const start = this.head;
    this.pending = [];
    this.head = 0;
    const messages: TappedMessage[] = [];
    const rejected: TapRejection[] = [];
    for (let i = start; i < raw.length; i++) {
      const { subject, data } = raw[i]!;
      const d = decodeTapped(this.s, subject, data, this.maxBytes);
      if (d.ok) messages.push(d.tapped);
      else rejected.push(d.rejection);
    }
    this.counters.decoded += messages.length;
    this.counters.rejected += rejected.length;
    const dropped = this.droppedSinceBatch;
    this.droppedSinceBatch = 0;
    if (messages.length === 0 && rejected.length === 0 && dropped === 0) return;
    try {
      this.o.onBatch({ messages, rejected, dropped });
    } catch (e) {
      this.log.error(`tap consumer failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/**
 * One message as the tap takes it: decoded with the protocol's codec, and dropped (with the
 * reason) when its subject is not one of `s`'s or names another sender than its body. Whatever
 * else reads the mesh's bytes (the log, for history) decodes with this too, so nothing is
 * trusted more than live traffic.
 */
export function decodeTapped(
  s: Subjects,
  subject: string,
  data: Uint8Array,
  maxBytes: number = MAX_MESSAGE_BYTES,
): { ok: true; tapped: TappedMessage } | { ok: false; rejection: TapRejection } {
  const d = decodeMessage(data, maxBytes);
  if (!d.ok) return { ok: false, rejection: { subject, reason: d.error.reason, detail: d.error.message } };
  const parsed = s.parse(subject);
  const problem =
    parsed === null
      ? { reason: "misrouted" as const, detail: `not a subject of ${s.root}` }
      : subjectMismatch(parsed, d.message);
  if (problem === null) return { ok: true, tapped: { subject, message: d.message } };
  return { ok: false, rejection: { subject, ...problem } };
}
