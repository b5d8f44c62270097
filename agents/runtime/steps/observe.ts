/**
 * Observe: what the agent has in front of it when a message arrives: the message itself, the
 * thread so far, and who else is online.
 */
import type { AgentMessage, AgentMetadata } from "../../../lib/protocol";
import type { ThreadMemory } from "../memory";
import type { ChatMessage } from "../../llm/model";

export type Incoming = Extract<AgentMessage, { type: "direct" | "request" | "handoff" | "announcement" }>;

export interface Observation {
  readonly message: Incoming;
  readonly history: readonly ChatMessage[];
  /** Other agents online now (not the observer itself), by name. */
  readonly peers: readonly AgentMetadata[];
}

export function observe(
  message: Incoming,
  memory: ThreadMemory,
  online: () => readonly AgentMetadata[],
  self: string,
): Observation {
  return {
    message,
    history: memory.history(message.threadId, message.from),
    peers: online().filter((a) => a.name !== self && a.status !== "offline"),
  };
}
