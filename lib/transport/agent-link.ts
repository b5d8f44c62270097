/**
 * The NATS layer any agent can be given (the seed's `NATSAgentMixin`, as composition): presence,
 * heartbeats, discovery answers, direct messages, request/response, handoff, broadcast, streamed
 * partial answers, cancel, and a graceful offline announcement. The agent stays plain data plus
 * handlers; this object owns the subscriptions and the lifecycle, and hands each mechanism to
 * its own module in ./link:
 *
 *   wire.ts         building and publishing envelopes in the link's name
 *   presence.ts     presence, heartbeats, answers to "who is online?"
 *   task-server.ts  serving tasks: one settle path from handler, error, cancel or close to the answer
 *   requester.ts    requests and handoffs we wait for, and the answers to what we sent
 *   inbound.ts      decoding and checking what arrives (reasons counted in `stats.rejectedBy`)
 *
 * A link is a `member` of the mesh (the default: listed, heartbeating, serving) or a `client`
 * (a person's dashboard tab, a one-shot CLI command): it sends and asks, announces nothing and
 * serves nothing, and subscribes only to its own response subject, or to nothing at all when a
 * tap it shares a connection with hands it those answers (`inbox: "external"`, `deliver()`).
 */
import type { Msg, NatsConnection, Subscription } from "@nats-io/nats-core";
import {
  AgentProfile,
  DELIVERY_KINDS,
  subjects as subjectsFor,
  type AgentMessage,
  type AgentMetadata,
  type AgentStatus,
  type DeliveryKind,
  type AnnouncementMessage,
  type CancelMessage,
  type DirectMessage,
  type HandoffMessage,
  type RequestMessage,
  type ResponseMessage,
  type StopMessage,
  type StreamMessage,
  type Subjects,
  type TaskMessage,
  type UsageWindow,
} from "../protocol";
import { LinkClosedError } from "./errors";
import { Dispatcher, invoke } from "./link/dispatcher";
import { InboundCheck, type Inbound } from "./link/inbound";
import { Memory, type Delivered } from "./link/memory";
import { Presence } from "./link/presence";
import { BROADCAST, Requester } from "./link/requester";
import { TaskServer, type Reply } from "./link/task-server";
import { Siblings } from "./link/siblings";
import { StoppedThreads } from "./link/stopped-threads";
import { Wire } from "./link/wire";
import {
  handoffBody,
  linkSettings,
  type AgentLinkOptions,
  type HandoffInput,
  type LinkHandlers,
  type LinkStats,
  type RequestOptions,
  type SendOptions,
} from "./link/options";
import { consoleLogger, type Logger } from "./logger";
import { Rejections } from "./rejections";

export type {
  AgentLinkOptions,
  HandlerContext,
  LinkHandlers,
  LinkStats,
  RequestOptions,
  SendOptions,
  TaskHandler,
} from "./link/options";
export type { Reply };

export class AgentLink implements AsyncDisposable {
  readonly name: string;
  readonly subjects: Subjects;
  readonly nc: NatsConnection;
  readonly mode: "member" | "client";
  /** Resolves when the link is closed: `null` after `close()`, the error if the connection died. */
  readonly closed: Promise<Error | null>;

  private readonly handlers: LinkHandlers;
  private readonly log: Logger;
  private readonly wire: Wire;
  private readonly presence: Presence;
  private readonly tasks: TaskServer;
  private readonly requester: Requester;
  private readonly inbound: InboundCheck;
  private readonly requestTimeoutMs: number;
  private readonly settings: ReturnType<typeof linkSettings>;
  private memory: Memory | null = null;
  private readonly dispatcher: Dispatcher;
  private readonly subs: Subscription[] = [];
  /** Core subscriptions standing in for a consumer whose pull is lost (see `deliveryLost`). */
  private readonly standIns = new Map<DeliveryKind, Subscription>();
  /** This agent's other replicas, told what was taken live. */
  private siblings: Siblings | undefined;
  private received = 0;
  private state: "starting" | "open" | "closing" | "closed" = "starting";
  private resolveClosed!: (e: Error | null) => void;

  private constructor(private readonly options: AgentLinkOptions) {
    const profile = AgentProfile.parse(options.agent);
    const o = linkSettings(options);
    this.name = profile.name;
    this.nc = options.connection;
    this.mode = options.mode ?? "member";
    this.subjects = subjectsFor(options.root);
    this.handlers = options.handlers ?? {};
    this.log = options.logger ?? consoleLogger(profile.name);
    this.requestTimeoutMs = o.requestTimeoutMs;
    this.settings = o;
    const rejections = new Rejections(this.log);
    const isOpen = () => this.state === "open";
    const { name, nc, subjects, log } = this;
    const stopped = new StoppedThreads();
    this.wire = new Wire({ ...o, nc, name, subjects, log, isOpen, stopped });
    this.presence = new Presence(this.wire, profile, o.heartbeatMs);
    this.tasks = new TaskServer(this, this.wire, o, rejections, log, stopped);
    this.requester = new Requester(this.wire, o.ackTimeoutMs, rejections, (m) => {
      const answer = this.handlers.answer;
      if (answer !== undefined) invoke(() => answer.call(this.handlers, m), m, log);
    });
    const onHopLimit = (m: TaskMessage, why: string) => this.tasks.refuse(m, "hop_limit", why);
    this.inbound = new InboundCheck({ ...o, name, subjects, onHopLimit }, rejections);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.dispatcher = new Dispatcher(this, this.handlers, this.tasks, this.requester, this.presence, log);
  }

  /** Subscribes, and for a member announces presence and starts heartbeating. */
  static async start(options: AgentLinkOptions): Promise<AgentLink> {
    const link = new AgentLink(options);
    await link.open();
    return link;
  }

  get status(): AgentStatus {
    return this.presence.status;
  }

  get stats(): LinkStats {
    const r = this.inbound.rejections;
    return {
      received: this.received,
      sent: this.wire.sent,
      handled: this.tasks.handled,
      rejected: r.total,
      rejectedBy: { ...r.counts },
      pendingRequests: this.requester.size,
      runningHandlers: this.tasks.size,
      memory: this.memory?.stats ?? null,
    };
  }

  /** The metadata this agent announces (status and lastSeen as of now). */
  describe(): AgentMetadata {
    return this.presence.describe();
  }

  /** Where the model usage this agent reports in its heartbeats comes from (last hour). */
  reportUsage(source: () => UsageWindow | undefined): void {
    this.presence.usage = source;
  }

  /** Changes status (online/busy) and tells everyone at once with a heartbeat. */
  setStatus(status: Exclude<AgentStatus, "offline">): void {
    this.presence.setStatus(status, this.state === "open" && this.mode === "member");
  }

  // ---- outgoing -------------------------------------------------------------------------------

  sendDirect(to: string, content: string, options: SendOptions = {}): DirectMessage {
    const m = this.wire.compose("direct", { to, content }, options);
    this.wire.publish(this.subjects.direct(to, this.name), m);
    this.requester.remember(m.id, { kind: "task", to });
    return m;
  }

  broadcast(content: string, options: SendOptions = {}): AnnouncementMessage {
    const m = this.wire.compose("announcement", { content }, options);
    this.wire.publish(this.subjects.all(this.name), m);
    this.requester.remember(m.id, BROADCAST);
    return m;
  }

  /** Hands a task over with its context; the receiver's answer goes to `handlers.answer`. */
  handoff(
    to: string,
    context: HandoffInput,
    options: SendOptions & { content?: string } = {},
  ): HandoffMessage {
    const m = this.wire.compose("handoff", handoffBody(to, context, options.content), options);
    this.wire.publish(this.subjects.handoff(this.name, to), m);
    this.requester.remember(m.id, { kind: "task", to });
    return m;
  }

  /** Hands a task over and waits for the receiver's answer, like a request. */
  handoffAndWait(
    to: string,
    context: HandoffInput,
    options: RequestOptions & { content?: string } = {},
  ): Promise<ResponseMessage> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    try {
      const body = { ...handoffBody(to, context, options.content), timeoutMs };
      const m = this.wire.compose("handoff", body, options);
      m.replyTo = this.subjects.response(this.name, m.id, to);
      return this.ask(m, this.subjects.handoff(this.name, to), { ...options, timeoutMs });
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
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    try {
      const m = this.wire.compose("request", { to, content, replyTo: "", timeoutMs }, options);
      m.replyTo = this.subjects.response(this.name, m.id, to);
      return this.ask(m, this.subjects.request(to, this.name), { ...options, timeoutMs });
    } catch (e) {
      return Promise.reject(e); // a bad name or a closed link: same shape as every other failure
    }
  }

  /** With a log: an unknown name fails at once; a known agent that does not ack is away and the task waits. */
  private ask(
    m: RequestMessage | HandoffMessage,
    subject: string,
    o: RequestOptions & { timeoutMs: number },
  ) {
    return this.memory === null
      ? this.requester.ask(m, subject, o)
      : this.memory.ask(this.requester, m, subject, o);
  }

  /** Answers a task or a broadcast (task handlers that return a value get this done for them). */
  reply(task: TaskMessage | AnnouncementMessage, reply: Exclude<Reply, undefined | void>): ResponseMessage {
    return this.tasks.respond(task, typeof reply === "string" ? { content: reply } : reply);
  }

  /** Publishes a piece of a task's answer while it is being written. */
  stream(task: TaskMessage, content: string, seq: number): StreamMessage {
    this.tasks.streaming(task.id);
    const m = this.wire.compose(
      "stream",
      { to: task.from, content, inReplyTo: task.id, seq },
      { sameHopAs: task },
    );
    this.wire.publish(this.subjects.response(task.from, task.id, this.name), m);
    return m;
  }

  /** Asks `agent` to stop task `taskId` (in `threadId`, when known: the cancel shows in the thread). */
  cancel(agent: string, taskId: string, reason = "", threadId?: string): CancelMessage {
    const m = this.wire.compose(
      "cancel",
      { to: agent, content: reason, inReplyTo: taskId },
      threadId === undefined ? {} : { threadId },
    );
    this.wire.publish(this.subjects.cancel(agent, this.name), m);
    return m;
  }

  /**
   * Stops a whole thread (people only: the server refuses this subject to agents): every agent
   * stops its tasks in `threadId` and refuses the thread's tasks that arrive later.
   */
  stopThread(threadId: string, reason = ""): StopMessage {
    const m = this.wire.compose("stop", { content: reason }, { threadId });
    this.wire.publish(this.subjects.stop(this.name), m);
    return m;
  }

  /**
   * Hands the link a message that a tap on the same connection already decoded (client links
   * with `inbox: "external"`): answers to our requests on `{root}.response.{name}.*`. Anything
   * else is ignored; a message aimed wrongly is counted as `misrouted` and dropped.
   */
  deliver(subject: string, message: AgentMessage): void {
    if (this.state !== "open" || !subject.startsWith(this.responsePrefix)) return;
    this.received++;
    const m = this.inbound.check("response", subject, message);
    if (m !== null) this.dispatcher.dispatch(m, subject);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Announces offline, stops taking work, fails what is pending, and drains. Idempotent. */
  async close(): Promise<void> {
    if (this.state === "closing" || this.state === "closed") {
      await this.closed;
      return;
    }
    this.state = "closing";
    for (const s of this.subs) s.unsubscribe();
    for (const kind of [...this.standIns.keys()]) this.deliveryBack(kind);
    this.siblings?.stop();
    this.presence.stop();
    await this.memory?.close(2_000);
    if (this.mode === "member" && !this.nc.isClosed()) {
      try {
        this.presence.announce();
        await this.wire.flushWithin(2_000);
      } catch (e) {
        this.log.warn(`could not announce offline: ${(e as Error).message}`);
      }
    }
    this.shutDown(new LinkClosedError(this.name));
    if (this.options.ownsConnection === true && !this.nc.isClosed()) await this.nc.drain().catch(() => {});
    this.resolveClosed(null);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private get responsePrefix(): string {
    return `${this.subjects.root}.response.${this.name}.`;
  }

  private async open(): Promise<void> {
    const s = this.subjects;
    if (this.options.log !== "off") {
      const { deliveryTtlMs, outboxMaxBytes } = this.settings;
      const o = { nc: this.nc, root: s.root, name: this.name, deliveryTtlMs, outboxMaxBytes, log: this.log };
      this.wire.memory = this.memory = await Memory.open(o);
    }
    if (this.mode === "member") {
      const queue = `${s.root}.${this.name}`; // replicas of one agent share its work
      const w = s.wildcards;
      if (this.memory === null) {
        this.subscribe("direct", w.directsTo(this.name), queue);
        this.subscribe("request", w.requestsTo(this.name), queue);
        this.subscribe("handoff", w.handoffsTo(this.name), queue);
      } else {
        // Tasks wait in the log while we are away; the consumers deliver them when we are back.
        // While the log cannot store a task, its sender sends it live too (see takeLive).
        const memory = this.memory;
        this.siblings = new Siblings(this.nc, s.taken(this.name), this.inbound.rejections, (ids) =>
          memory.remember(ids),
        );
        this.siblings.start();
        const live = this.nc.subscribe(w.liveTo(this.name), {
          queue,
          callback: (err, msg) => {
            if (err === null) this.takeLive(msg.subject, msg.data);
          },
        });
        this.subs.push(live);
        await this.memory.deliver(
          DELIVERY_KINDS,
          (d) => this.delivered(d),
          (kind) => this.deliveryLost(kind, queue),
          (kind) => this.deliveryBack(kind),
        );
      }
      // Without an announcement handler there is nothing to do with broadcasts, including the
      // echo of our own: not subscribing saves decoding every one of them.
      if (this.handlers.announcement !== undefined) this.subscribe("all", w.broadcasts);
      this.subscribe("cancel", w.cancelsTo(this.name)); // no queue: any replica may run the task
      this.subscribe("stop", w.stops); // every replica stops its own runs in the thread
      this.subscribe("discover", w.discovers);
    }
    if (this.mode === "member" || this.options.inbox !== "external") {
      this.subscribe("response", s.wildcards.responsesFor(this.name));
    }
    await this.nc.flush();
    this.state = "open";
    if (this.mode === "member") await this.presence.start();
    void this.followConnection();
  }

  private async followConnection(): Promise<void> {
    (async () => {
      for await (const st of this.nc.status()) {
        if (st.type === "reconnect" && this.state === "open" && this.mode === "member") {
          this.log.info("reconnected to NATS; announcing presence again");
          this.presence.announce();
        } else if (st.type === "disconnect" && this.state === "open") {
          this.log.warn("disconnected from NATS; reconnecting");
        }
      }
    })().catch(() => {});
    const err = await this.nc.closed();
    if (this.state === "closed") return;
    this.presence.stop();
    this.shutDown(new LinkClosedError(this.name));
    this.resolveClosed(err ?? new Error("the NATS connection closed"));
  }

  private shutDown(reason: Error): void {
    this.state = "closed";
    this.requester.failAll(reason);
    this.tasks.abortAll(reason);
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
    this.received++;
    // A status ("no responders") has no payload; reading `headers` decodes them, so only then.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      if (kind === "response") this.requester.noResponders(msg.subject);
      return; // a server status ("no responders"), not a message
    }
    const m = this.inbound.decode(kind, msg.subject, msg.data);
    if (m === null) return;
    if (this.memory?.keeps(m) === true && !this.memory.firstTime(m.id)) return; // re-sent after an outage
    this.dispatcher.dispatch(m, msg.subject);
  }

  /**
   * A task sent live because the log could not store it (a cluster electing a leader): taken at
   * once, and remembered as taken, so the stored copy that follows is dropped.
   */
  private takeLive(subject: string, data: Uint8Array): void {
    if (this.state !== "open") return;
    this.received++;
    const t = this.inbound.decodeLive(subject, data);
    if (t === null || !this.memory!.firstDelivery(t.m.id)) return;
    this.siblings?.took(t.m.id);
    this.dispatcher.dispatch(t.m, t.subject);
  }

  /**
   * The consumer of `kind` lost its pull (its leader's node died, or our connection dropped): until
   * it pulls again, which waits for a new leader (4-9 s on nats-server 2.9), tasks of that kind
   * are taken live from a core subscription, the replicas still splitting them. What the consumer
   * delivers later was taken already and is dropped by id.
   */
  private deliveryLost(kind: DeliveryKind, queue: string): void {
    if (kind === "cancel" || this.standIns.has(kind) || this.state === "closed") return;
    const w = this.subjects.wildcards;
    const subject =
      kind === "direct"
        ? w.directsTo(this.name)
        : kind === "request"
          ? w.requestsTo(this.name)
          : w.handoffsTo(this.name);
    this.log.info(`${kind} consumer lost its pull: taking ${kind} tasks live until it is back`);
    this.standIns.set(
      kind,
      this.nc.subscribe(subject, {
        queue,
        callback: (err, msg) => {
          if (err !== null || this.state !== "open") return;
          this.received++;
          const m = this.inbound.decode(kind, msg.subject, msg.data);
          if (m === null || !this.memory!.firstDelivery(m.id)) return;
          this.siblings?.took(m.id);
          this.dispatcher.dispatch(m, msg.subject);
        },
      }),
    );
  }

  private deliveryBack(kind: DeliveryKind): void {
    const sub = this.standIns.get(kind);
    if (sub === undefined) return;
    this.standIns.delete(kind);
    try {
      sub.unsubscribe();
    } catch {
      // the connection is closed: nothing to unsubscribe from
    }
  }

  /** A task or a cancel from the log; false while closing (it is delivered again, to a replica or later). */
  private delivered(d: Delivered): boolean {
    // Cancels are taken while starting too (they are drained before any task is delivered, and
    // only remembered: nothing is sent); a task waits until the link can answer it.
    const taking = this.state === "open" || (this.state === "starting" && d.kind === "cancel");
    if (!taking) return false;
    this.received++;
    // A cancel's bytes also came live on the core subscription, which counted anything wrong
    // with them: this copy is dropped quietly (one bad message, one count).
    const m =
      d.kind === "cancel"
        ? this.inbound.quietly(d.kind, d.subject, d.data)
        : this.inbound.decode(d.kind, d.subject, d.data);
    if (m === null || !this.memory!.firstDelivery(m.id)) return true;
    if (m.type === "cancel") return (this.dispatcher.dispatch(m, d.subject), true);
    // Everything else from the consumers is a task (their filters are the task subjects).
    const expired = this.memory!.outlived(m as TaskMessage, d);
    if (expired !== undefined) this.tasks.refuse(m as TaskMessage, "expired", expired);
    else this.dispatcher.dispatch(m, d.subject);
    return true;
  }
}
