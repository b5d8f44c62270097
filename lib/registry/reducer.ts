/**
 * The registry as a pure reducer: the watcher (Node), the browser store and tests share it.
 *
 * An agent is online or busy while its presence and heartbeats keep arriving; it turns offline
 * when it says so (graceful close) or when it has been silent for `missedHeartbeats` of its own
 * heartbeat intervals. Offline agents stay listed, with when and why, until they come back.
 */
import type { AgentMetadata, AgentStatus } from "../protocol/agent-metadata";
import type { HeartbeatMessage, PresenceMessage } from "../protocol/envelope";

export interface RegistryEntry {
  readonly agent: AgentMetadata;
  readonly status: AgentStatus;
  /** Local clock (ms) of the last presence or heartbeat received. */
  readonly lastSeenAt: number;
  /** Local clock (ms) when it went offline, and why; absent while online or busy. */
  readonly offlineAt?: number;
  readonly offlineReason?: "announced" | "missed-heartbeats";
}

export interface RegistryState {
  readonly agents: Readonly<Record<string, RegistryEntry>>;
}

export type RegistryEvent =
  | { readonly type: "seen"; readonly message: PresenceMessage | HeartbeatMessage; readonly at: number }
  | { readonly type: "tick"; readonly now: number };

export interface RegistryOptions {
  /** Heartbeats an agent may miss before it is marked offline (default 3). */
  readonly missedHeartbeats: number;
}

export const EMPTY_REGISTRY: RegistryState = { agents: {} };
export const DEFAULT_MISSED_HEARTBEATS = 3;

export function reduceRegistry(
  state: RegistryState,
  event: RegistryEvent,
  options: RegistryOptions = { missedHeartbeats: DEFAULT_MISSED_HEARTBEATS },
): RegistryState {
  switch (event.type) {
    case "seen":
      return seen(state, event.message, event.at);
    case "tick":
      return tick(state, event.now, options.missedHeartbeats);
  }
}

function seen(state: RegistryState, message: PresenceMessage | HeartbeatMessage, at: number): RegistryState {
  const agent = message.agent;
  // The envelope's sender must be the agent it describes: nobody announces someone else.
  if (agent.name !== message.from) return state;
  const entry: RegistryEntry =
    agent.status === "offline"
      ? { agent, status: "offline", lastSeenAt: at, offlineAt: at, offlineReason: "announced" }
      : { agent, status: agent.status, lastSeenAt: at };
  return { agents: { ...state.agents, [agent.name]: entry } };
}

function tick(state: RegistryState, now: number, missed: number): RegistryState {
  let changed: Record<string, RegistryEntry> | null = null;
  for (const [name, entry] of Object.entries(state.agents)) {
    if (entry.status === "offline") continue;
    if (now - entry.lastSeenAt <= missed * entry.agent.heartbeatMs) continue;
    changed ??= { ...state.agents };
    changed[name] = {
      ...entry,
      agent: { ...entry.agent, status: "offline" },
      status: "offline",
      offlineAt: now,
      offlineReason: "missed-heartbeats",
    };
  }
  return changed === null ? state : { agents: changed };
}

/** Agents currently online or busy, by name. */
export function onlineAgents(state: RegistryState): RegistryEntry[] {
  return Object.values(state.agents)
    .filter((e) => e.status !== "offline")
    .sort((a, b) => a.agent.name.localeCompare(b.agent.name));
}

/** The next moment a tick could change something, so a watcher can sleep until then. */
export function nextDeadline(state: RegistryState, missed: number): number | null {
  let next: number | null = null;
  for (const e of Object.values(state.agents)) {
    if (e.status === "offline") continue;
    const due = e.lastSeenAt + missed * e.agent.heartbeatMs + 1;
    if (next === null || due < next) next = due;
  }
  return next;
}
