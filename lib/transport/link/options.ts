/**
 * The shapes of the link's public API: its options, handlers, per-call options and stats.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import {
  DEFAULT_MAX_HOPS,
  MAX_MESSAGE_BYTES,
  type AgentProfile,
  type AnnouncementMessage,
  type ComposeOptions,
  type DirectMessage,
  type HandoffContext,
  type HandoffMessage,
  type Metadata,
  type RequestMessage,
  type ResponseMessage,
  type StreamMessage,
} from "../../protocol";
import type { AgentLink } from "../agent-link";
import type { Logger } from "../logger";
import type { RejectCounts } from "../rejections";
import { DEFAULTS } from "../../config";
import type { MemoryStats } from "./memory";
import type { Reply } from "./task-server";

export interface HandlerContext {
  readonly link: AgentLink;
  /** Aborted when the task is canceled or the link closes; the reason says which. */
  readonly signal: AbortSignal;
}

export type TaskHandler<M> = (message: M, ctx: HandlerContext) => Reply | Promise<Reply>;

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
  /** "member" (default) joins the mesh; "client" only sends and asks (see the module comment). */
  readonly mode?: "member" | "client";
  /** Client links: "external" when answers come through `deliver()` instead of a subscription. */
  readonly inbox?: "subscribe" | "external";
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
  /** "auto" (default): use the server's log when it has one for this root (./memory.ts); "off": core NATS only. */
  readonly log?: "auto" | "off";
  /** How long a task may wait for this agent while it is away (ms, default DELIVERY_TTL_MS's). */
  readonly deliveryTtlMs?: number;
  /** What the outbox may hold while the server is unreachable (bytes, default OUTBOX_MAX_BYTES's). */
  readonly outboxMaxBytes?: number;
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
  /** With a log: the agent is away (no ack in time); the request waits for it until its timeout. */
  readonly onQueued?: () => void;
}

export interface LinkStats {
  readonly received: number;
  readonly sent: number;
  readonly handled: number;
  readonly rejected: number;
  readonly rejectedBy: RejectCounts;
  readonly pendingRequests: number;
  readonly runningHandlers: number;
  /** The log's figures (outbox, duplicates dropped, expired tasks); null without a log. */
  readonly memory: MemoryStats | null;
}

export type HandoffInput = Partial<HandoffContext> & { task: string };

/** The handoff message body: the context, and a content line a person can read. */
export function handoffBody(to: string, context: HandoffInput, content?: string) {
  const handoff: HandoffContext = { progress: "", reason: "", data: {}, ...context };
  return {
    to,
    content: content ?? (handoff.reason === "" ? handoff.task : `${handoff.reason}\n\n${handoff.task}`),
    handoff,
  };
}

/** The link's numeric settings, defaults filled in (the defaults live here and only here). */
export function linkSettings(o: AgentLinkOptions) {
  return {
    heartbeatMs: o.heartbeatMs ?? 30_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
    ackTimeoutMs: o.ackTimeoutMs ?? 1_000,
    ackDelayMs: o.ackDelayMs ?? 50,
    maxHops: o.maxHops ?? DEFAULT_MAX_HOPS,
    maxMessageBytes: o.maxMessageBytes ?? MAX_MESSAGE_BYTES,
    maxConcurrentHandlers: o.maxConcurrentHandlers ?? 64,
    deliveryTtlMs: o.deliveryTtlMs ?? DEFAULTS.deliveryTtlMs,
    outboxMaxBytes: o.outboxMaxBytes ?? DEFAULTS.outboxMaxBytes,
  };
}
