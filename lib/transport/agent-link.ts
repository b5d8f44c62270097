/**
 * The NATS layer any agent can be given (the seed's `NATSAgentMixin`, as composition): presence,
 * heartbeats, discovery answers, direct messages, request/response, handoff, broadcast, streamed
 * partial answers, cancel, and a graceful offline announcement. The agent stays plain data plus
 * handlers; this object owns the subscriptions, timers and the wire.
 *
 * Direct messages, requests and handoffs are *tasks*: a handler's return value is published as
 * the task's `response` on `{root}.response.{sender}.{taskId}`, where acks and stream chunks go
 * too. Responses never start work, so two agents answering each other cannot loop.
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
  type CancelMessage,
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
  type StreamMessage,
  type Subjects,
  type TaskMessage,
} from "../protocol";
import { LinkClosedError, NoAgentError, TaskCanceledError } from "./errors";
import { consoleLogger, type Logger } from "./logger";
import { PendingRequests } from "./pending-requests";
import { Rejections, type RejectCounts } from "./rejections";
import { misrouting, type Inbound } from "./routing";

export interface HandlerContext {
  readonly link: AgentLink;
  /** Aborted when the task is canceled or the link closes; the reason says which. */
  readonly signal: AbortSignal;
}

/** What a task handler returns: text, a full answer, or nothing (no response is sent). */
export type Reply =
  | string
  | { content: string; metadata?: Metadata; status?: ResponseStatus; error?: ErrorInfo }
  | undefined
  | void;

type TaskHandler<M> = (message: M, ctx: HandlerContext) => Reply | Promise<Reply>;

export interface LinkHandlers {
  direct?: TaskHandler<DirectMessage>;
  request?: TaskHandler<RequestMessage>;
  handoff?: TaskHandler<HandoffMessage>;
  announcement?(message: AnnouncementMessage, ctx: HandlerContext): unknown;
  /** The answer to a direct message or handoff we sent without waiting for it. */
  answer?(message: ResponseMessage): unknown;
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
  /** Tasks running at once; past it, new ones are refused as "overloaded" (default 64). */
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
  /** Aborting gives up waiting and asks the agent to cancel the task. */
  readonly signal?: AbortSignal;
  /** Partial answer text, as the agent writes it. */
  readonly onStream?: (chunk: StreamMessage) => void;
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

/** How many fire-and-forget sends we remember, so their answers are recognised. */
const REMEMBERED_SENDS = 1_000;

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
  /** Tasks whose handler is still working, by task message id. */
  private readonly running = new Map<string, Task>();
  /** Tasks sent without waiting and broadcasts, whose answers we accept (broadcasts get many). */
  private readonly sent = new Map<string, "task" | "broadcast">();
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
    this.remember(m.id, "task");
    return m;
  }

  broadcast(content: string, options: SendOptions = {}): AnnouncementMessage {
    const m = this.compose("announcement", { content }, options);
    this.publish(this.subjects.all(), m);
    this.remember(m.id, "broadcast");
    return m;
  }

  /** Hands a task over with its context; the receiver's answer goes to `handlers.answer`. */
  handoff(
    to: string,
    context: Partial<HandoffContext> & { task: string },
    options: SendOptions & { content?: string } = {},
  ): HandoffMessage {
    const m = this.compose("handoff", handoffBody(to, context, options.content), options);
    this.publish(this.subjects.handoff(this.name, to), m);
    this.remember(m.id, "task");
    return m;
  }

  /** Hands a task over and waits for the receiver's answer, like a request. */
  handoffAndWait(
    to: string,
    context: Partial<HandoffContext> & { task: string },
    options: RequestOptions & { content?: string } = {},
  ): Promise<ResponseMessage> {
    const timeoutMs = options.timeoutMs ?? this.o.requestTimeoutMs;
    try {
      const m = this.compose("handoff", { ...handoffBody(to, context, options.content), timeoutMs }, options);
      m.replyTo = this.subjects.response(this.name, m.id);
      return this.awaitAnswer(m, this.subjects.handoff(this.name, to), m.replyTo, timeoutMs, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Asks `to` and resolves with its response. Rejects with NoAgentError when nobody listens
   * (at once, or after the ack window when observers hide that), RequestTimeoutError,
   * AgentResponseError for an "error"/"canceled" answer, the signal's reason, or LinkClosedError.
   */
  request(to: string, content: string, options: RequestOptions = {}): Promise<ResponseMessage> {
    const timeoutMs = options.timeoutMs ?? this.o.requestTimeoutMs;
    try {
      const m = this.compose("request", { to, content, replyTo: "", timeoutMs }, options);
      m.replyTo = this.subjects.response(this.name, m.id);
      return this.awaitAnswer(m, this.subjects.request(to), m.replyTo, timeoutMs, options);
    } catch (e) {
      return Promise.reject(e); // a bad name or a closed link: same shape as every other failure
    }
  }

  /** Answers a task or a broadcast (task handlers that return a value get this done for them). */
  reply(task: TaskMessage | AnnouncementMessage, reply: Exclude<Reply, undefined | void>): ResponseMessage {
    const body = typeof reply === "string" ? { content: reply } : reply;
    const m = this.compose(
      "response",
      {
        to: task.from,
        content: body.content,
        inReplyTo: task.id,
        status: body.status ?? "ok",
        ...(body.error === undefined ? {} : { error: body.error }),
      },
      { metadata: body.metadata ?? {}, sameHopAs: task },
    );
    this.publish(this.subjects.response(task.from, task.id), m);
    return m;
  }

  /** Publishes a piece of a task's answer while it is being written. */
  stream(task: TaskMessage, content: string, seq: number): StreamMessage {
    this.running.get(task.id)?.acked(); // a stream chunk tells the requester as much as an ack
    const m = this.compose(
      "stream",
      { to: task.from, content, inReplyTo: task.id, seq },
      { sameHopAs: task },
    );
    this.publish(this.subjects.response(task.from, task.id), m);
    return m;
  }

  /** Asks `agent` to stop task `taskId`. */
  cancel(agent: string, taskId: string, reason = ""): CancelMessage {
    const m = this.compose("cancel", { to: agent, content: reason, inReplyTo: taskId }, {});
    this.publish(this.subjects.cancel(agent), m);
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
    this.shutDown(new LinkClosedError(this.name));
    if (this.o.ownsConnection && !this.nc.isClosed()) await this.nc.drain().catch(() => {});
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
    this.subscribe("cancel", s.cancel(this.name)); // no queue: any replica may run the task
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
    this.shutDown(new LinkClosedError(this.name));
    this.resolveClosed(err ?? new Error("the NATS connection closed"));
  }

  private shutDown(reason: Error): void {
    this.state = "closed";
    this.pending.failAll(reason);
    for (const t of this.running.values()) t.abort(reason);
    this.running.clear();
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
    if (msg.headers?.code === 503) {
      if (kind === "response") this.noResponders(msg.subject);
      return; // a server status ("no responders"), not a message
    }
    const decoded = decodeMessage(msg.data, this.o.maxMessageBytes);
    if (!decoded.ok) return this.reject(decoded.error.reason, decoded.error.message, msg.subject);
    const m = decoded.message;
    const problem = misrouting(kind, m, msg.subject, this.name, this.subjects);
    if (problem !== null) return this.reject("misrouted", problem, msg.subject);
    if (m.hops > this.o.maxHops) {
      this.reject("hop_limit", `hop ${m.hops} is over the limit of ${this.o.maxHops}`, msg.subject);
      if (m.type === "request" || (m.type === "handoff" && m.replyTo !== undefined)) {
        this.answerError(m, "hop_limit", `hop limit of ${this.o.maxHops} reached (agent loop?)`);
      }
      return;
    }
    switch (m.type) {
      case "direct":
        return this.serve(m, msg.subject, this.handlers.direct);
      case "request":
        return this.serve(m, msg.subject, this.handlers.request);
      case "handoff":
        return this.serve(m, msg.subject, this.handlers.handoff);
      case "announcement":
        if (m.from === this.name) return; // our own broadcast, echoed back
        this.counters.handled++;
        return this.invoke(() => this.handlers.announcement?.(m, new Task(this)), m);
      case "ack":
        if (!this.pending.acknowledge(m.inReplyTo, m.from)) this.unexpectedAnswer(m, msg.subject);
        return;
      case "stream":
        if (!this.pending.stream(m) && !this.sent.has(m.inReplyTo)) this.unexpectedAnswer(m, msg.subject);
        return;
      case "response": {
        if (this.pending.settle(m)) return;
        const kind = this.sent.get(m.inReplyTo);
        if (kind === undefined) return this.unexpectedAnswer(m, msg.subject);
        if (kind === "task") this.sent.delete(m.inReplyTo); // a broadcast may get many answers
        const answer = this.handlers.answer;
        if (answer !== undefined) this.invoke(() => answer.call(this.handlers, m), m);
        return;
      }
      case "cancel":
        return this.cancelTask(m);
      case "discover":
        if (msg.reply !== undefined && this.state === "open") {
          msg.respond(encodeMessage(this.presenceMessage(), this.o.maxMessageBytes));
        }
        return;
      case "presence":
      case "heartbeat":
        return; // never routed here: misrouting() refuses them on our subjects
    }
  }

  /**
   * Runs a task's handler without blocking the subscription. A handler that returns
   * synchronously finishes synchronously (a burst of quick requests is no load); one that
   * returns a promise is tracked for cancel, acked if the sender waits and it takes a while,
   * and answered with its result, its error, or "canceled".
   */
  private serve<M extends TaskMessage>(m: M, subject: string, handler: TaskHandler<M> | undefined): void {
    const waited = m.type === "request" || (m.type === "handoff" && m.replyTo !== undefined);
    if (handler === undefined) {
      if (waited) this.answerError(m, "no_handler", `${this.name} does not take ${m.type}s`);
      return;
    }
    if (this.running.size >= this.o.maxConcurrentHandlers) {
      this.reject("overloaded", `${this.running.size} tasks already running`, subject);
      if (waited)
        this.answerError(
          m,
          "overloaded",
          `${this.name} is busy with ${this.running.size} tasks; try again later`,
        );
      return;
    }
    this.counters.handled++;
    const task = new Task(this);
    task.message = m;
    const finish = (reply: Reply): void => {
      if (task.settled) return;
      task.settle();
      this.running.delete(m.id);
      if (reply !== undefined && this.state === "open") this.reply(m, reply);
    };
    const fail = (e: unknown): void => {
      if (task.settled) return;
      task.settle();
      this.running.delete(m.id);
      const message = e instanceof Error ? e.message : String(e);
      this.answerError(m, e instanceof HopLimitError ? "hop_limit" : "handler_error", message);
    };
    let out: Reply | Promise<Reply>;
    try {
      out = handler.call(this.handlers, m, task);
    } catch (e) {
      return fail(e);
    }
    if (!isPromise(out)) {
      try {
        finish(out);
      } catch (e) {
        fail(e); // e.g. an answer over the size limit
      }
      return;
    }
    this.running.set(m.id, task);
    if (waited) task.ackLater(this.o.ackDelayMs, () => this.ack(m));
    out.then(finish, fail).catch(fail);
  }

  private cancelTask(c: CancelMessage): void {
    const task = this.running.get(c.inReplyTo);
    if (task === undefined || task.settled) return; // finished already, or never ours: nothing to stop
    task.settle();
    this.running.delete(c.inReplyTo);
    const reason = new TaskCanceledError(c.from, c.content);
    task.abort(reason);
    const m = task.message;
    if (m !== undefined && this.state === "open") {
      this.send(this.subjects.response(m.from, m.id), () =>
        this.compose(
          "response",
          {
            to: m.from,
            content: reason.message,
            inReplyTo: m.id,
            status: "canceled",
            error: { code: "canceled", message: reason.message },
          },
          { sameHopAs: m },
        ),
      );
    }
  }

  private awaitAnswer(
    m: RequestMessage | HandoffMessage,
    subject: string,
    replyTo: string,
    timeoutMs: number,
    options: RequestOptions,
  ): Promise<ResponseMessage> {
    const answer = this.pending.track(m.id, {
      to: m.to,
      timeoutMs,
      ackTimeoutMs: this.o.ackTimeoutMs,
      signal: options.signal,
      onStream: options.onStream,
      flush: () => this.nc.flush(),
      // Nobody waits for the answer any more: ask the agent to stop working on it.
      onAbandon: (why) =>
        this.send(this.subjects.cancel(m.to), () =>
          this.compose("cancel", { to: m.to, content: why, inReplyTo: m.id }, {}),
        ),
    });
    try {
      this.publish(subject, m, replyTo);
    } catch (e) {
      this.pending.fail(m.id, e);
    }
    return answer;
  }

  private ack(m: TaskMessage): void {
    if (this.state !== "open") return;
    this.send(this.subjects.response(m.from, m.id), () =>
      this.compose("ack", { to: m.from, content: "", inReplyTo: m.id }, { sameHopAs: m }),
    );
  }

  private answerError(m: TaskMessage, code: string, message: string): void {
    if (this.state !== "open") return;
    this.send(this.subjects.response(m.from, m.id), () =>
      this.compose(
        "response",
        { to: m.from, content: message, inReplyTo: m.id, status: "error", error: { code, message } },
        { sameHopAs: m },
      ),
    );
  }

  private invoke(fn: () => unknown, m: AgentMessage): void {
    try {
      const out = fn();
      if (isPromise(out)) out.catch((e: unknown) => this.handlerFailed(m, e));
    } catch (e) {
      this.handlerFailed(m, e);
    }
  }

  private handlerFailed(m: AgentMessage, e: unknown): void {
    this.log.error(
      `handler for ${m.type} ${m.id} from ${m.from} failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }

  private noResponders(subject: string): void {
    const parsed = this.subjects.parse(subject);
    if (parsed?.kind !== "response") return;
    const to = this.pending.targetOf(parsed.id);
    if (to !== undefined) this.pending.fail(parsed.id, new NoAgentError(to));
  }

  private unexpectedAnswer(m: AgentMessage & { inReplyTo: string }, subject: string): void {
    this.reject(
      "unknown_request",
      `${m.type} from ${m.from} to unknown or finished task ${m.inReplyTo}`,
      subject,
    );
  }

  private reject(reason: RejectReason, detail: string, subject: string): void {
    this.rejections.record(reason, detail, subject);
  }

  private remember(id: string, kind: "task" | "broadcast"): void {
    this.sent.set(id, kind);
    if (this.sent.size > REMEMBERED_SENDS) {
      const oldest = this.sent.keys().next().value;
      if (oldest !== undefined) this.sent.delete(oldest);
    }
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

function handoffBody(to: string, context: Partial<HandoffContext> & { task: string }, content?: string) {
  const handoff: HandoffContext = { progress: "", reason: "", data: {}, ...context };
  return {
    to,
    content: content ?? (handoff.reason === "" ? handoff.task : `${handoff.reason}\n\n${handoff.task}`),
    handoff,
  };
}

/**
 * A running task's context. Its AbortSignal is made on first use only: creating one per message
 * was the largest single cost of receiving (18 % in a profile), and most handlers never use it.
 */
class Task implements HandlerContext {
  settled = false;
  message: TaskMessage | undefined;
  private controller: AbortController | undefined;
  private reason: unknown;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly link: AgentLink) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  ackLater(delayMs: number, ack: () => void): void {
    if (delayMs <= 0) ack();
    else this.ackTimer = setTimeout(ack, delayMs);
  }

  acked(): void {
    clearTimeout(this.ackTimer);
  }

  settle(): void {
    this.settled = true;
    clearTimeout(this.ackTimer);
  }

  abort(reason: unknown): void {
    this.settle();
    this.reason ??= reason;
    this.controller?.abort(reason);
  }
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
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
