/**
 * The registry as the page keeps it: the shared reducer (lib/registry) decides what an
 * announcement or heartbeat means; this module bounds what is kept and lists it in order.
 *
 * - At most MAX_AGENTS agents are listed. A newcomer past that takes the place of the agent that
 *   has been offline longest; when none is offline it is counted, not listed ("N more agents"),
 *   and the count forgets it when it says goodbye or its heartbeats stop.
 * - Each entry keeps a trimmed copy of what the agent says about itself (description, capabilities
 *   and tools bounded below the protocol's own limits), so 2,000 entries stay within a few MB;
 *   the presence message itself, whole, is in the message list for the inspector.
 * - A batch of announcements costs one copy of the registry, not one per message (1,000 agents
 *   announcing at once were 1,000 copies of a growing object in one frame).
 * - `roster` (entries in display order: online and busy by name, then offline) is rebuilt only
 *   when an agent is added, removed or changes status, so lists that show names and states do
 *   not redraw on every heartbeat.
 */
import type { AgentMetadata, HeartbeatMessage, PresenceMessage } from "../protocol";
import { EMPTY_REGISTRY, reduceRegistry, type RegistryEntry, type RegistryState } from "../registry/reducer";

export const MAX_AGENTS = 2_000;
/** How many unlisted agents are remembered (and counted) at most. */
const MAX_UNLISTED = 10_000;
const DESCRIPTION_CHARS = 1_000;
const CAPABILITIES = 32;
const TOOLS = 16;
const TOOL_DESCRIPTION_CHARS = 200;

export interface RegistryBook {
  readonly registry: RegistryState;
  readonly roster: readonly RegistryEntry[];
  readonly online: number;
  /** Agents alive but not listed because the registry is full. */
  readonly unlisted: number;
}

export const EMPTY_BOOK: RegistryBook = { registry: EMPTY_REGISTRY, roster: [], online: 0, unlisted: 0 };

const collator = new Intl.Collator();
const byStatusThenName = (a: RegistryEntry, b: RegistryEntry) =>
  Number(a.status === "offline") - Number(b.status === "offline") ||
  collator.compare(a.agent.name, b.agent.name);

/** The registry's mutable side: names not listed, with when they count as gone. */
export class Unlisted {
  private readonly until = new Map<string, number>();
  get size(): number {
    return this.until.size;
  }
  seen(name: string, deadline: number): void {
    this.until.delete(name);
    if (this.until.size < MAX_UNLISTED) this.until.set(name, deadline);
  }
  forget(name: string): boolean {
    return this.until.delete(name);
  }
  expire(now: number): boolean {
    let changed = false;
    for (const [name, t] of this.until)
      if (t < now) {
        this.until.delete(name);
        changed = true;
      }
    return changed;
  }
}

/** Applies a batch of presence and heartbeat messages received at `at`. */
export function bookSeen(
  book: RegistryBook,
  unlisted: Unlisted,
  seen: readonly (PresenceMessage | HeartbeatMessage)[],
  at: number,
  missedHeartbeats = 3,
): RegistryBook {
  if (seen.length === 0) return book;
  let agents: Record<string, RegistryEntry> | null = null;
  let count = Object.keys(book.registry.agents).length;
  let rosterChanged = false;
  let unlistedChanged = false;
  for (const message of seen) {
    const trimmed = { ...message, agent: trim(message.agent) };
    // The shared reducer on an empty registry: its verdict on this one message, in O(1).
    const entry = reduceRegistry(EMPTY_REGISTRY, { type: "seen", message: trimmed, at }).agents[
      message.agent.name
    ];
    if (entry === undefined) continue; // refused (someone announcing someone else)
    const name = entry.agent.name;
    const current = (agents ?? book.registry.agents)[name];
    if (current === undefined) {
      if (count >= MAX_AGENTS) {
        const victim = oldestOffline(agents ?? book.registry.agents);
        if (victim === undefined) {
          if (entry.status === "offline") unlistedChanged = unlisted.forget(name) || unlistedChanged;
          else {
            unlisted.seen(name, at + missedHeartbeats * entry.agent.heartbeatMs);
            unlistedChanged = true;
          }
          continue;
        }
        agents ??= { ...book.registry.agents };
        delete agents[victim];
        count--;
      }
      count++;
      rosterChanged = true;
    } else if (current.status !== entry.status) {
      rosterChanged = true;
    }
    unlistedChanged = unlisted.forget(name) || unlistedChanged;
    agents ??= { ...book.registry.agents };
    agents[name] = entry;
  }
  if (agents === null) return unlistedChanged ? { ...book, unlisted: unlisted.size } : book;
  return withRoster({ ...book, registry: { agents }, unlisted: unlisted.size }, rosterChanged);
}

/** The registry's clock: agents silent too long turn offline; forgotten unlisted names go. */
export function bookTick(book: RegistryBook, unlisted: Unlisted, now: number): RegistryBook {
  const registry = reduceRegistry(book.registry, { type: "tick", now });
  const expired = unlisted.expire(now);
  if (registry === book.registry && !expired) return book;
  // A tick only ever turns agents offline: a status change, so the roster follows.
  return withRoster({ ...book, registry, unlisted: unlisted.size }, registry !== book.registry);
}

function withRoster(book: RegistryBook, changed: boolean): RegistryBook {
  if (!changed) return book;
  const roster = Object.values(book.registry.agents).sort(byStatusThenName);
  let online = 0;
  for (const e of roster) if (e.status !== "offline") online++;
  return { ...book, roster, online };
}

/** The name of the agent offline for longest, if any is offline. */
function oldestOffline(agents: Readonly<Record<string, RegistryEntry>>): string | undefined {
  let oldest: RegistryEntry | undefined;
  for (const e of Object.values(agents))
    if (e.status === "offline" && (oldest === undefined || (e.offlineAt ?? 0) < (oldest.offlineAt ?? 0)))
      oldest = e;
  return oldest?.agent.name;
}

function trim(a: AgentMetadata): AgentMetadata {
  if (
    a.description.length <= DESCRIPTION_CHARS &&
    a.capabilities.length <= CAPABILITIES &&
    a.tools.length <= TOOLS &&
    a.tools.every((t) => t.description.length <= TOOL_DESCRIPTION_CHARS)
  )
    return a;
  return {
    ...a,
    description: a.description.slice(0, DESCRIPTION_CHARS),
    capabilities: a.capabilities.slice(0, CAPABILITIES),
    tools: a.tools
      .slice(0, TOOLS)
      .map((t) => ({ name: t.name, description: t.description.slice(0, TOOL_DESCRIPTION_CHARS) })),
  };
}
