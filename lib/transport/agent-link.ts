/**
 * The NATS layer any agent can be given (the seed's `NATSAgentMixin`, as composition): presence,
 * heartbeats, discovery answers, direct messages, request/response, handoff, broadcast and a
 * graceful offline announcement. The agent stays plain data plus handlers; this object owns the
 * subscriptions, timers and the wire.
 *
 * Every inbound message is decoded and checked against the subject it came on; anything wrong
 * is counted by reason, logged (rate-limited) and dropped, and the next message is handled.
 */
import type { Msg, NatsConnection, Subscription } from "@nats-io/nats-core";
import {
  AgentProfile,
  compose,
  decodeMessage,
  DEFAULT_MAX_HOPS,
  encodeMessage,
  HopLimitError,
  MAX_MESSAGE_BYTES,
  subjects as subjectsFor,
  type AgentMessage,
  type AgentMetadata,
  type AgentStatus,
  type AnnouncementMessage,
  type ComposeOptions,
  type DirectMessage,
  type ErrorInfo,
  type HandoffContext,
  type HandoffMessage,
  type Metadata,
  type RejectReason,
  type RequestMessage,
  type ResponseMessage,
  type ResponseStatus,
  type Subjects,
} from "../protocol";
import { LinkClosedError, NoAgentError } from "./errors";
import { consoleLogger, type Logger } from "./logger";
import { PendingRequests } from "./pending-requests";
import { Rejections, type RejectCounts } from "./rejections";

export interface HandlerContext {
  readonly link: AgentLink;
  /** Aborted when the link closes (and, later, when the task is canceled). */
  readonly signal: AbortSignal;
}

/** What a request handler returns: text, a full answer, or nothing if it replies by itself. */
export type Reply =
  | string
  | { content: string; metadata?: Metadata; status?: ResponseStatus; error?: ErrorInfo }
  | undefined
  | void;

export interface LinkHandlers {
  direct?(message: DirectMessage, ctx: HandlerContext): unknown;
  request?(message: RequestMessage, ctx: HandlerContext): Reply | Promise<Reply>;
  handoff?(message: HandoffMessage, ctx: HandlerContext): unknown;
  announcement?(message: AnnouncementMessage, ctx: HandlerContext): unknown;
}

export interface AgentLinkOptions {
  readonly connection: NatsConnection;
  readonly agent: AgentProfile;
  readonly handlers?: LinkHandlers;
  /** Subject root (default "agents"). */
  readonly root?: string;
  /** Heartbeat interval (ms, default 30 000). */
  readonly heartbeatMs?: number;
  /** Default request timeout (ms, default 30 000). */
  readonly requestTimeoutMs?: number;
  /** How long a request may go without ack or answer before "no agent listening" (ms, default 1000). */
  readonly ackTimeoutMs?: number;
  /** How long a handler may run before we ack the request (ms, default 50; 0 acks at once). */
  readonly ackDelayMs?: number;
  readonly maxHops?: number;
  readonly maxMessageBytes?: number;
  /** Handlers running at once; past it, messages are refused as "overloaded" (default 64). */
  readonly maxConcurrentHandlers?: number;
  readonly logger?: Logger;
  /** Close the NATS connection when the link closes (default false). */
  readonly ownsConnection?: boolean;
}

export interface SendOptions {
  readonly priority?: ComposeOptions["priority"];
  readonly metadata?: Metadata;
  /** The message being handled: keeps its thread and counts a hop. */
  readonly cause?: ComposeOptions["cause"];
  readonly threadId?: string;
}

export interface RequestOptions extends SendOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface LinkStats {
  readonly received: number;
  readonly sent: number;
  readonly handled: number;
  readonly rejected: number;
  readonly rejectedBy: RejectCounts;
  readonly pendingRequests: number;
  readonly runningHandlers: number;
}

type Inbound = "direct" | "request" | "handoff" | "all" | "response" | "discover";
const EXPECTED_TYPE = {
  direct: "direct",
  request: "request",
  handoff: "handoff",
  all: "announcement",
  discover: "discover",
} as const;

export class AgentLink implements AsyncDisposable {
  readonly name: string;
  readonly subjects: Subjects;
  readonly nc: NatsConnection;
  /** Resolves when the link is closed: `null` after `close()`, the error if the connection died. */
  readonly closed: Promise<Error | null>;

  private readonly o: Required<
    Omit<AgentLinkOptions, "handlers" | "agent" | "connection" | "root" | "logger">
  >;
  private readonly handlers: LinkHandlers;
  private readonly log: Logger;
  private readonly rejections: Rejections;
  private readonly pending = new PendingRequests();
  private readonly running = new Set<Task>();
  private readonly subs: Subscription[] = [];
  private metadata: AgentMetadata;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private counters = { received: 0, sent: 0, handled: 0 };
  private state: "starting" | "open" | "closing" | "closed" = "starting";
  private resolveClosed!: (e: Error | null) => void;

  private constructor(options: AgentLinkOptions) {
    const profile = AgentProfile.parse(options.agent);
    this.name = profile.name;
    this.nc = options.connection;
    this.subjects = subjectsFor(options.root);
    this.handlers = options.handlers ?? {};
    this.log = options.logger ?? consoleLogger(profile.name);
    this.rejections = new Rejections(this.log);
    this.o = {
      heartbeatMs: options.heartbeatMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      ackTimeoutMs: options.ackTimeoutMs ?? 1_000,
      ackDelayMs: options.ackDelayMs ?? 50,
      maxHops: options.maxHops ?? DEFAULT_MAX_HOPS,
      maxMessageBytes: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
      maxConcurrentHandlers: options.maxConcurrentHandlers ?? 64,
      ownsConnection: options.ownsConnection ?? false,
    };
    const now = new Date().toISOString();
    this.metadata = {
      ...profile,
      status: "online",
      startedAt: now,
      lastSeen: now,
      heartbeatMs: this.o.heartbeatMs,
    };
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Subscribes, announces presence and starts heartbeating. */
  static async start(options: AgentLinkOptions): Promise<AgentLink> {
    const link = new AgentLink(options);
    await link.open();
    return link;
  }

  get status(): AgentStatus {
    return this.metadata.status;
  }

  get stats(): LinkStats {
    return {
      ...this.counters,
      rejected: this.rejections.total,
      rejectedBy: { ...this.rejections.counts },
      pendingRequests: this.pending.size,
      runningHandlers: this.running.size,
    };
  }

  /** The metadata this agent announces (status and lastSeen as of now). */
  describe(): AgentMetadata {
    return { ...this.metadata, lastSeen: new Date().toISOString() };
  }

  /** Changes status (online/busy) and tells everyone at once with a heartbeat. */
  setStatus(status: Exclude<AgentStatus, "offline">): void {
    if (this.metadata.status === status) return;
    this.metadata = { ...this.metadata, status };
    if (this.state === "open") this.beat();
  }

  // ---- outgoing -------------------------------------------------------------------------------

  // Sending is synchronous: the client buffers and writes once per tick, so a loop of sends
  // becomes one socket write. Bad names, oversized bodies and a closed link throw at once.

  sendDirect(to: string, content: string, options: SendOptions = {}): DirectMessage {
    const m = this.compose("direct", { to, content }, options);
    this.publish(this.subjects.direct(to), m);
    return m;
  }

  broadcast(content: string, options: SendOptions = {}): AnnouncementMessage {
    const m = this.compose("announcement", { content }, options);
    this.publish(this.subjects.all(), m);
    return m;
  }

  handoff(
    to: string,
    context: Partial<HandoffContext> & { task: string },
    options: SendOptions & { content?: string } = {},
  ): HandoffMessage {
    const handoff: HandoffContext = { progress: "", reason: "", data: {}, ...context };
    const content =
      options.content ?? (handoff.reason === "" ? handoff.task : `${handoff.reason}\n\n${handoff.task}`);
    const m = this.compose("handoff", { to, content, handoff }, options);
    this.publish(this.subjects.handoff(this.name, to), m);
    return m;
  }

  /**
   * Asks `to` and resolves with its response. Rejects with NoAgentError when nobody listens
   * (at once, or after the ack window when observers hide that), RequestTimeoutError,
   * AgentResponseError for an "error"/"canceled" answer, the signal's reason, or LinkClosedError.
   */
  async request(to: string, content: string, options: RequestOptions = {}): Promise<ResponseMessage> {
    const timeoutMs = options.timeoutMs ?? this.o.requestTimeoutMs;
    const m = this.compose("request", { to, content, replyTo: "", timeoutMs }, options);
    m.replyTo = this.subjects.response(this.name, m.id);
    const answer = this.pending.track(m.id, {
      to,
      timeoutMs,
      ackTimeoutMs: this.o.ackTimeoutMs,
      signal: options.signal,
      flush: () => this.nc.flush(),
    });
    try {
      this.publish(this.subjects.request(to), m, m.replyTo);
    } catch (e) {
      this.pending.fail(m.id, e);
    }
    return answer;
  }

  /** Answers a request (handlers that return a value get this done for them). */
  reply(request: RequestMessage, reply: Exclude<Reply, undefined | void>): ResponseMessage {
    const body = typeof reply === "string" ? { content: reply } : reply;
    const m = this.compose(
      "response",
      {
        to: request.from,
        content: body.content,
        inReplyTo: request.id,
        status: body.status ?? "ok",
        ...(body.error === undefined ? {} : { error: body.error }),
      },
      { metadata: body.metadata ?? {}, sameHopAs: request },
    );
    this.publish(this.subjects.response(request.from, request.id), m);
    return m;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Announces offline, stops taking work, fails what is pending, and drains. Idempotent. */
  async close(): Promise<void> {
    if (this.state === "closing" || this.state === "closed") {
      await this.closed;
      return;
    }
    this.state = "closing";
    clearInterval(this.heartbeat);
    for (const s of this.subs) s.unsubscribe();
    this.metadata = { ...this.metadata, status: "offline" };
    if (!this.nc.isClosed()) {
      try {
        this.announce();
        await withTimeout(this.nc.flush(), 2_000);
      } catch (e) {
        this.log.warn(`could not announce offline: ${(e as Error).message}`);
      }
    }
    this.pending.failAll(new LinkClosedError(this.name));
    for (const t of this.running) t.abort(new LinkClosedError(this.name));
    if (this.o.ownsConnection && !this.nc.isClosed()) await this.nc.drain().catch(() => {});
    this.state = "closed";
    this.resolveClosed(null);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async open(): Promise<void> {
    const s = this.subjects;
    const queue = `${s.root}.${this.name}`; // replicas of one agent share its work
    this.subscribe("direct", s.direct(this.name), queue);
    this.subscribe("request", s.request(this.name), queue);
    this.subscribe("handoff", s.wildcards.handoffsTo(this.name), queue);
    // Without an announcement handler there is nothing to do with broadcasts, including the
    // echo of our own: not subscribing saves decoding every one of them.
    if (this.handlers.announcement !== undefined) this.subscribe("all", s.all());
    this.subscribe("response", s.wildcards.responsesFor(this.name));
    this.subscribe("discover", s.discover());
    await this.nc.flush();
    this.state = "open";
    this.announce();
    this.heartbeat = setInterval(() => this.beat(), this.o.heartbeatMs);
    void this.followConnection();
  }

  private async followConnection(): Promise<void> {
    (async () => {
      for await (const st of this.nc.status()) {
        if (st.type === "reconnect" && this.state === "open") {
          this.log.info("reconnected to NATS; announcing presence again");
          this.announce();
        } else if (st.type === "disconnect") {
          this.log.warn("disconnected from NATS; reconnecting");
        }
      }
    })().catch(() => {});
    const err = await this.nc.closed();
    if (this.state === "closed") return;
    clearInterval(this.heartbeat);
    this.state = "closed";
    this.pending.failAll(new LinkClosedError(this.name));
    for (const t of this.running) t.abort(new LinkClosedError(this.name));
    this.resolveClosed(err ?? new Error("the NATS connection closed"));
  }

  private subscribe(kind: Inbound, subject: string, queue?: string): void {
    const sub = this.nc.subscribe(subject, {
      ...(queue === undefined ? {} : { queue }),
      callback: (err, msg) => {
        if (err !== null) this.log.warn(`subscription ${subject}: ${err.message}`);
        else this.receive(kind, msg);
      },
    });
    this.subs.push(sub);
  }

  // ---- incoming -------------------------------------------------------------------------------

  private receive(kind: Inbound, msg: Msg): void {
    this.counters.received++;
    if (kind === "response" && msg.headers?.code === 503) {
      this.noResponders(msg.subject);
      return;
    }
    const decoded = decodeMessage(msg.data, this.o.maxMessageBytes);
    if (!decoded.ok) return this.reject(decoded.error.reason, decoded.error.message, msg.subject);
    const m = decoded.message;
    const problem = this.misrouting(kind, m, msg.subject);
    if (problem !== null) return this.reject("misrouted", problem, msg.subject);
    if (m.hops > this.o.maxHops) {
      this.reject("hop_limit", `hop ${m.hops} is over the limit of ${this.o.maxHops}`, msg.subject);
      if (m.type === "request")
        this.answerError(m, "hop_limit", `hop limit of ${this.o.maxHops} reached (agent loop?)`);
      return;
    }
    switch (m.type) {
      case "direct":
        return this.dispatch(m, msg.subject, this.handlers.direct);
      case "handoff":
        return this.dispatch(m, msg.subject, this.handlers.handoff);
      case "announcement":
        if (m.from === this.name) return; // our own broadcast, echoed back
        return this.dispatch(m, msg.subject, this.handlers.announcement);
      case "request":
        return this.serve(m, msg.subject);
      case "ack":
        if (!this.pending.acknowledge(m.inReplyTo)) this.unknownReply(m, msg.subject);
        return;
      case "response":
        if (!this.pending.settle(m.inReplyTo, m)) this.unknownReply(m, msg.subject);
        return;
      case "discover":
        if (msg.reply !== undefined && this.state === "open") {
          msg.respond(encodeMessage(this.presenceMessage(), this.o.maxMessageBytes));
        }
        return;
      case "presence":
      case "heartbeat":
        return; // unreachable: misrouting() refuses them on our subjects
    }
  }

  /** Checks that a message is the kind its subject carries and is addressed to us. */
  private misrouting(kind: Inbound, m: AgentMessage, subject: string): string | null {
    if (kind === "response") {
      if (m.type !== "response" && m.type !== "ack") return `a ${m.type} message on a response subject`;
      if (m.to !== this.name) return `addressed to ${m.to}, not ${this.name}`;
      const parsed = this.subjects.parse(subject);
      if (parsed?.kind !== "response" || parsed.id !== m.inReplyTo)
        return `answers ${m.inReplyTo} on the subject of another request`;
      const target = this.pending.targetOf(m.inReplyTo);
      if (target !== undefined && target !== m.from) return `answer from ${m.from}, but ${target} was asked`;
      return null;
    }
    if (m.type !== EXPECTED_TYPE[kind]) return `a ${m.type} message on a ${kind} subject`;
    if ((m.type === "direct" || m.type === "request" || m.type === "handoff") && m.to !== this.name) {
      return `addressed to ${m.to}, not ${this.name}`;
    }
    if (m.type === "handoff" && subject !== this.subjects.handoff(m.from, m.to))
      return `handoff from ${m.from} on ${subject}`;
    if (m.type === "request" && m.replyTo !== this.subjects.response(m.from, m.id)) {
      // Answering to any other subject would let a sender make us publish where it likes.
      return `replyTo ${m.replyTo} is not the response subject of ${m.from}`;
    }
    return null;
  }

  private dispatch<M extends AgentMessage>(
    m: M,
    subject: string,
    handler: ((m: M, ctx: HandlerContext) => unknown) | undefined,
  ): void {
    if (handler === undefined) return;
    this.run(m, subject, (ctx) => handler.call(this.handlers, m, ctx));
  }

  private serve(m: RequestMessage, subject: string): void {
    const handler = this.handlers.request;
    if (handler === undefined) {
      this.answerError(m, "no_handler", `${this.name} does not take requests`);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ack = () => {
      timer = undefined;
      if (this.state !== "open") return;
      this.send(this.subjects.response(m.from, m.id), () =>
        this.compose("ack", { to: m.from, content: "", inReplyTo: m.id }, { sameHopAs: m }),
      );
    };
    const fail = (e: unknown) => {
      clearTimeout(timer);
      const code = e instanceof HopLimitError ? "hop_limit" : "handler_error";
      this.answerError(m, code, e instanceof Error ? e.message : String(e));
    };
    const answer = (reply: Reply): void => {
      clearTimeout(timer);
      if (reply !== undefined && this.state === "open") this.reply(m, reply);
    };
    const started = this.run(
      m,
      subject,
      (ctx) => {
        if (this.o.ackDelayMs <= 0) ack();
        const out = handler.call(this.handlers, m, ctx);
        if (!isPromise(out)) return answer(out);
        // Only a handler that is still working needs to tell the requester it got the request.
        if (this.o.ackDelayMs > 0) timer = setTimeout(ack, this.o.ackDelayMs);
        return out.then(answer);
      },
      fail,
    );
    if (!started)
      this.answerError(
        m,
        "overloaded",
        `${this.name} is busy with ${this.running.size} tasks; try again later`,
      );
  }

  /**
   * Runs a handler without blocking the subscription; returns false when over the limit. A
   * handler that returns synchronously is finished synchronously, so a burst of quick requests
   * never counts as load.
   */
  private run(
    m: AgentMessage,
    subject: string,
    body: (ctx: HandlerContext) => unknown,
    onError?: (e: unknown) => void,
  ): boolean {
    if (this.running.size >= this.o.maxConcurrentHandlers) {
      this.reject("overloaded", `${this.running.size} handlers already running`, subject);
      return false;
    }
    this.counters.handled++;
    const task = new Task(this);
    const failed = (e: unknown) => {
      if (onError !== undefined) onError(e);
      else
        this.log.error(
          `handler for ${m.type} ${m.id} from ${m.from} failed: ${e instanceof Error ? e.message : String(e)}`,
        );
    };
    let out: unknown;
    try {
      out = body(task);
    } catch (e) {
      failed(e);
      return true;
    }
    if (isPromise(out)) {
      this.running.add(task);
      out.then(undefined, failed).finally(() => this.running.delete(task));
    }
    return true;
  }

  private answerError(m: RequestMessage, code: string, message: string): void {
    if (this.state !== "open") return;
    this.send(this.subjects.response(m.from, m.id), () =>
      this.compose(
        "response",
        { to: m.from, content: message, inReplyTo: m.id, status: "error", error: { code, message } },
        { sameHopAs: m },
      ),
    );
  }

  private noResponders(subject: string): void {
    const parsed = this.subjects.parse(subject);
    if (parsed?.kind !== "response") return;
    const to = this.pending.targetOf(parsed.id);
    if (to !== undefined) this.pending.fail(parsed.id, new NoAgentError(to));
  }

  private unknownReply(m: AgentMessage & { inReplyTo: string }, subject: string): void {
    this.reject(
      "unknown_request",
      `${m.type} from ${m.from} to unknown or finished request ${m.inReplyTo}`,
      subject,
    );
  }

  private reject(reason: RejectReason, detail: string, subject: string): void {
    this.rejections.record(reason, detail, subject);
  }

  // ---- wire helpers ---------------------------------------------------------------------------

  private compose<T extends AgentMessage["type"]>(
    type: T,
    body: Parameters<typeof compose<T>>[2],
    options: ComposeOptions,
  ): Extract<AgentMessage, { type: T }> {
    if (this.state !== "open") throw new LinkClosedError(this.name);
    return compose(type, this.name, body, { ...options, maxHops: this.o.maxHops });
  }

  private publish(subject: string, m: AgentMessage, reply?: string): void {
    const bytes = encodeMessage(m, this.o.maxMessageBytes);
    this.nc.publish(subject, bytes, reply === undefined ? undefined : { reply });
    this.counters.sent++;
  }

  /** Publishes a message of our own making; failures are logged, never thrown. */
  private send(subject: string, make: () => AgentMessage): void {
    try {
      this.publish(subject, make());
    } catch (e) {
      this.log.warn(`could not publish on ${subject}: ${(e as Error).message}`);
    }
  }

  private presenceMessage() {
    const agent = this.describe();
    const words = agent.status === "offline" ? "is offline" : `is ${agent.status}`;
    return compose("presence", this.name, { content: `${this.name} ${words}`, agent });
  }

  private announce(): void {
    this.send(this.subjects.presence(this.name), () => this.presenceMessage());
  }

  private beat(): void {
    this.send(this.subjects.heartbeat(this.name), () =>
      compose("heartbeat", this.name, { content: "", agent: this.describe() }, { priority: 1 }),
    );
  }
}

/** Settles when `p` does or after `ms`, whichever is first; never rejects. */
function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.then(
      () => {},
      () => {},
    ),
    new Promise<void>((r) => (timer = setTimeout(r, ms))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * A handler's context. Its AbortSignal is made on first use only: creating one per message was
 * the largest single cost of receiving (18 % in a profile), and most handlers never look at it.
 */
class Task implements HandlerContext {
  private controller: AbortController | undefined;
  private reason: unknown;
  constructor(readonly link: AgentLink) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.reason ??= reason;
    this.controller?.abort(reason);
  }
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}
