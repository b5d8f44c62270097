/**
 * Builds envelopes. A message sent because of another one (its "cause") stays in the cause's
 * thread and is one hop further; a fresh message starts a thread of its own.
 */
import { HopLimitError } from "./errors";
import type { AgentMessage, Priority } from "./envelope";
import { newId } from "./ids";
import { DEFAULT_MAX_HOPS, DEFAULT_PRIORITY, PROTOCOL_VERSION } from "./limits";

import type { JsonObject } from "./json";

export type Metadata = JsonObject;

/** The part of a received message that decides thread and hops of what is sent in its name. */
export interface Cause {
  readonly id: string;
  readonly threadId: string;
  readonly hops: number;
}

export interface ComposeOptions {
  priority?: Priority | undefined;
  metadata?: Metadata | undefined;
  /** The message being handled when this one is sent: keeps its thread, adds one hop. */
  cause?: Cause | undefined;
  /** Join an existing thread without a cause (e.g. the dashboard replying in a thread). */
  threadId?: string | undefined;
  inReplyTo?: string | undefined;
  /** Answers (ack, response) stay on their request's hop instead of adding one. */
  sameHopAs?: Cause | undefined;
  /** Refuse to compose a message past this many hops (default 8). */
  maxHops?: number | undefined;
}

type CommonKey = "v" | "id" | "type" | "from" | "priority" | "metadata" | "timestamp" | "threadId" | "hops";
type Body<T extends AgentMessage["type"]> = Omit<Extract<AgentMessage, { type: T }>, CommonKey>;

export function compose<T extends AgentMessage["type"]>(
  type: T,
  from: string,
  body: Body<T>,
  opts: ComposeOptions = {},
): Extract<AgentMessage, { type: T }> {
  const now = Date.now();
  const id = newId(now);
  const hops =
    opts.sameHopAs !== undefined ? opts.sameHopAs.hops : opts.cause === undefined ? 0 : opts.cause.hops + 1;
  const maxHops = opts.maxHops ?? DEFAULT_MAX_HOPS;
  // Only passing work on is limited; an answer keeps its request's hop, whatever it is.
  if (opts.sameHopAs === undefined && hops > maxHops) throw new HopLimitError(hops, maxHops);
  const message: Record<string, unknown> = {
    v: PROTOCOL_VERSION,
    id,
    type,
    from,
    priority: opts.priority ?? DEFAULT_PRIORITY,
    metadata: opts.metadata ?? {},
    timestamp: isoTimestamp(now),
    threadId: opts.threadId ?? opts.cause?.threadId ?? opts.sameHopAs?.threadId ?? id,
    hops,
  };
  if (opts.inReplyTo !== undefined) message.inReplyTo = opts.inReplyTo;
  Object.assign(message, body);
  return message as unknown as Extract<AgentMessage, { type: T }>;
}

// Formatting a date is a measurable share of building a message; messages built within the same
// millisecond share one string.
let lastMs = -1;
let lastIso = "";
function isoTimestamp(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
