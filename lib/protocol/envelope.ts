/**
 * The one message envelope every subject carries: a discriminated union on `type`.
 *
 * Common fields: protocol version `v`, `id`, `type`, `from`, `content`, `priority` (1-5, default 3),
 * `metadata` (free JSON), `timestamp`, `threadId` (the conversation: every reply and handoff keeps
 * it), `hops` (how many times the work was passed on: the loop guard) and `inReplyTo`.
 */
import { z } from "zod";
import { AgentMetadata, AgentName } from "./agent-metadata";
import { DEFAULT_PRIORITY, HOP_CEILING, PROTOCOL_VERSION } from "./limits";
import { JsonObject } from "./json";
import { TOKEN_PATTERN } from "./names";

export const MessageId = z.string().regex(TOKEN_PATTERN, "message id: 1-64 letters, digits, '-' or '_'");
export const Priority = z.int().min(1).max(5);
export type Priority = z.infer<typeof Priority>;

const Common = z.object({
  v: z.literal(PROTOCOL_VERSION),
  id: MessageId,
  from: AgentName,
  content: z.string(),
  priority: Priority.default(DEFAULT_PRIORITY),
  metadata: JsonObject.default({}),
  timestamp: z.iso.datetime({ offset: true }),
  threadId: MessageId,
  hops: z.int().min(0).max(HOP_CEILING),
  inReplyTo: MessageId.optional(),
});

/** A message to one agent; it starts the receiver's run. */
export const DirectMessage = Common.extend({ type: z.literal("direct"), to: AgentName });

/** A question that expects one response on `replyTo` (`{root}.response.{from}.{id}.{to}`). */
export const RequestMessage = Common.extend({
  type: z.literal("request"),
  to: AgentName,
  replyTo: z.string().min(1).max(256),
  /** How long the requester waits, so a responder can give up in time. */
  timeoutMs: z.int().min(1).max(86_400_000).optional(),
});

/** "Got it, working on it": sent by a responder that has not answered within its ack delay. */
export const AckMessage = Common.extend({
  type: z.literal("ack"),
  to: AgentName,
  inReplyTo: MessageId,
});

export const RESPONSE_STATUSES = ["ok", "error", "canceled"] as const;
export const ResponseStatus = z.enum(RESPONSE_STATUSES);
export type ResponseStatus = z.infer<typeof ResponseStatus>;

export const ErrorInfo = z.object({
  code: z.string().min(1).max(64),
  message: z.string().max(4_000),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const ResponseMessage = Common.extend({
  type: z.literal("response"),
  to: AgentName,
  inReplyTo: MessageId,
  status: ResponseStatus.default("ok"),
  error: ErrorInfo.optional(),
});

/** The context a handoff carries so the receiver can continue without asking. */
export const HandoffContext = z.object({
  /** The original task, as the user or first agent stated it. */
  task: z.string().min(1),
  /** What has been done so far. */
  progress: z.string().default(""),
  /** Why it is handed over (what the receiver is expected to do). */
  reason: z.string().default(""),
  /** Anything else worth passing on (tool results, partial data). */
  data: JsonObject.default({}),
});
export type HandoffContext = z.infer<typeof HandoffContext>;

/**
 * A task passed on with its context. With `replyTo` the sender waits for the receiver's answer
 * (like a request: ack, stream, response on `{root}.response.{from}.{id}`); without it the
 * receiver's answer is still published there, but nobody waits for it.
 */
export const HandoffMessage = Common.extend({
  type: z.literal("handoff"),
  to: AgentName,
  handoff: HandoffContext,
  replyTo: z.string().min(1).max(256).optional(),
  timeoutMs: z.int().min(1).max(86_400_000).optional(),
});

/** A piece of a task's answer while it is being written; `seq` counts from 0. */
export const StreamMessage = Common.extend({
  type: z.literal("stream"),
  to: AgentName,
  inReplyTo: MessageId,
  seq: z.int().min(0).max(1_000_000),
});

/** Asks the agent running task `inReplyTo` to stop it; `content` may say why. */
export const CancelMessage = Common.extend({
  type: z.literal("cancel"),
  to: AgentName,
  inReplyTo: MessageId,
});

/**
 * A person stops a whole thread (`threadId`): every agent stops its tasks in it and refuses the
 * thread's tasks that arrive later; `content` may say why. Only people (the person and cli roles)
 * may publish on `{root}.stop.{from}`: the server enforces it, so an agent cannot stop others' work.
 */
export const StopMessage = Common.extend({ type: z.literal("stop") });
/** A broadcast on `{root}.all`. */
export const AnnouncementMessage = Common.extend({ type: z.literal("announcement") });

export const PresenceMessage = Common.extend({ type: z.literal("presence"), agent: AgentMetadata });
export const HeartbeatMessage = Common.extend({ type: z.literal("heartbeat"), agent: AgentMetadata });

/** "Who is online?": every agent answers on the NATS reply subject with a presence message. */
export const DiscoverMessage = Common.extend({ type: z.literal("discover") });

export const AgentMessage = z.discriminatedUnion("type", [
  DirectMessage,
  RequestMessage,
  AckMessage,
  ResponseMessage,
  HandoffMessage,
  StreamMessage,
  CancelMessage,
  StopMessage,
  AnnouncementMessage,
  PresenceMessage,
  HeartbeatMessage,
  DiscoverMessage,
]);

export type DirectMessage = z.infer<typeof DirectMessage>;
export type RequestMessage = z.infer<typeof RequestMessage>;
export type AckMessage = z.infer<typeof AckMessage>;
export type ResponseMessage = z.infer<typeof ResponseMessage>;
export type HandoffMessage = z.infer<typeof HandoffMessage>;
export type StreamMessage = z.infer<typeof StreamMessage>;
export type CancelMessage = z.infer<typeof CancelMessage>;
export type StopMessage = z.infer<typeof StopMessage>;
/** The messages that start work on the receiver and can be answered. */
export type TaskMessage = DirectMessage | RequestMessage | HandoffMessage;
export type AnnouncementMessage = z.infer<typeof AnnouncementMessage>;
export type PresenceMessage = z.infer<typeof PresenceMessage>;
export type HeartbeatMessage = z.infer<typeof HeartbeatMessage>;
export type DiscoverMessage = z.infer<typeof DiscoverMessage>;
export type AgentMessage = z.infer<typeof AgentMessage>;
export type MessageType = AgentMessage["type"];
export const MESSAGE_TYPES = AgentMessage.options.map((o) => o.shape.type.value);
