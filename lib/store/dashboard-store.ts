/**
 * The dashboard's state as a tiny framework-free zustand store: state only, no transport. The
 * browser session (lib/dashboard) pushes live traffic from outside React once per animation
 * frame with `ingest(batch)`, plus the connection status, the clock and the agents this page may
 * stop; components read narrow slices. Retention is bounded: past `retention` messages the
 * oldest go, so memory stays flat however long the page stays open.
 */
import { createStore } from "zustand/vanilla";
import type { AgentMessage, RejectReason, ResponseMessage } from "../protocol";
import { EMPTY_REGISTRY, reduceRegistry, type RegistryState } from "../registry/reducer";
import { channelsOf, type ChannelKey } from "./channels";

export interface StoredMessage {
  /** Arrival order on this page. */
  readonly seq: number;
  readonly subject: string;
  readonly message: AgentMessage;
  readonly receivedAt: number;
  readonly channels: readonly ChannelKey[];
}

/** What is known of a task (direct, request or handoff) from the traffic about it. */
export interface TaskState {
  readonly acked: boolean;
  /** Streamed partial answer, while it is being written. */
  readonly partial: string;
  readonly final?: ResponseMessage;
  readonly canceledBy?: string;
}

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "offline";

export interface Filters {
  readonly agent: string;
  readonly type: string;
  readonly priority: string; // "" or "1".."5" (at least)
  readonly text: string;
}

export interface DashboardState {
  readonly me: string;
  readonly connection: { readonly status: ConnectionStatus; readonly detail: string };
  readonly messages: readonly StoredMessage[];
  readonly retention: number;
  readonly evicted: number;
  readonly received: number;
  readonly rejected: Readonly<Partial<Record<RejectReason, number>>>;
  readonly registry: RegistryState;
  readonly tasks: Readonly<Record<string, TaskState>>;
  readonly unread: Readonly<Partial<Record<ChannelKey, number>>>;
  readonly channel: ChannelKey;
  readonly threadId: string | null;
  readonly inspected: number | null;
  readonly filters: Filters;
  readonly composer: ComposerDraft | null;
  /** Agents this person can stop: run in this tab, or by this dashboard's server (the session's list). */
  readonly owned: Readonly<Record<string, "tab" | "server">>;
}

/** A prefilled composer (from a message's reply / hand-off button). */
export interface ComposerDraft {
  readonly kind: "direct" | "request" | "handoff" | "broadcast";
  readonly target: string;
  readonly text: string;
  readonly task?: string;
  readonly threadId?: string;
  readonly nonce: number;
}

export interface Incoming {
  readonly subject: string;
  readonly message: AgentMessage;
}

export interface DashboardActions {
  ingest(batch: readonly Incoming[], rejected: readonly RejectReason[]): void;
  setConnection(status: ConnectionStatus, detail?: string): void;
  tick(now: number): void;
  openChannel(key: ChannelKey): void;
  openThread(threadId: string | null): void;
  inspect(seq: number | null): void;
  setFilters(f: Partial<Filters>): void;
  setRetention(n: number): void;
  draft(d: Omit<ComposerDraft, "nonce"> | null): void;
  setOwned(owned: Readonly<Record<string, "tab" | "server">>): void;
  /** A retained message by id (a plain lookup, not a subscription). */
  findById(id: string): StoredMessage | undefined;
}

export type DashboardStore = ReturnType<typeof createDashboardStore>;

const EMPTY_FILTERS: Filters = { agent: "", type: "", priority: "", text: "" };
const MAX_TASKS = 2_000;

export function createDashboardStore(init: { me: string; retention: number }) {
  /** Message id -> stored message, for answers to find their question. Pruned with eviction. */
  const byId = new Map<string, StoredMessage>();
  let seq = 0;
  let nonce = 0;

  return createStore<DashboardState & DashboardActions>()((set, get) => ({
    me: init.me,
    connection: { status: "connecting", detail: "" },
    messages: [],
    retention: Math.max(100, init.retention),
    evicted: 0,
    received: 0,
    rejected: {},
    registry: EMPTY_REGISTRY,
    tasks: {},
    unread: {},
    channel: "all",
    threadId: null,
    inspected: null,
    filters: EMPTY_FILTERS,
    composer: null,
    owned: {},

    ingest(batch, rejectedReasons) {
      const s = get();
      const now = Date.now();
      const added: StoredMessage[] = [];
      let registry = s.registry;
      let tasks: Record<string, TaskState> | null = null;
      const unread: Partial<Record<ChannelKey, number>> = { ...s.unread };
      const touchTask = (id: string, f: (t: TaskState) => TaskState) => {
        tasks ??= { ...s.tasks };
        tasks[id] = f(tasks[id] ?? { acked: false, partial: "" });
      };
      for (const { subject, message: m } of batch) {
        if (m.type === "presence" || m.type === "heartbeat") {
          registry = reduceRegistry(registry, { type: "seen", message: m, at: now });
        }
        if (m.type === "stream") {
          touchTask(m.inReplyTo, (t) => ({ ...t, acked: true, partial: t.partial + m.content }));
          continue;
        }
        if (m.type === "ack") touchTask(m.inReplyTo, (t) => ({ ...t, acked: true }));
        if (m.type === "response") touchTask(m.inReplyTo, (t) => ({ ...t, final: m, partial: "" }));
        if (m.type === "cancel") touchTask(m.inReplyTo, (t) => ({ ...t, canceledBy: m.from }));
        const original =
          "inReplyTo" in m && m.inReplyTo !== undefined ? byId.get(m.inReplyTo)?.message : undefined;
        const stored: StoredMessage = {
          seq: ++seq,
          subject,
          message: m,
          receivedAt: now,
          channels: channelsOf(m, original, s.me),
        };
        added.push(stored);
        if (m.type !== "ack") byId.set(m.id, stored);
        for (const c of stored.channels)
          if (c !== s.channel && c !== "heartbeats") unread[c] = (unread[c] ?? 0) + 1;
      }
      let messages = added.length === 0 ? s.messages : s.messages.concat(added);
      let evicted = s.evicted;
      if (messages.length > s.retention) {
        const drop = messages.length - s.retention;
        for (let i = 0; i < drop; i++) byId.delete(messages[i]!.message.id);
        messages = messages.slice(drop);
        evicted += drop;
      }
      let rejected = s.rejected;
      if (rejectedReasons.length > 0) {
        const r = { ...rejected };
        for (const reason of rejectedReasons) r[reason] = (r[reason] ?? 0) + 1;
        rejected = r;
      }
      const nextTasks = tasks === null ? s.tasks : pruneTasks(tasks);
      set({
        messages,
        evicted,
        registry,
        tasks: nextTasks,
        unread,
        rejected,
        received: s.received + batch.length,
      });
    },

    setConnection(status, detail = "") {
      set({ connection: { status, detail } });
    },

    tick(now) {
      const registry = reduceRegistry(get().registry, { type: "tick", now });
      if (registry !== get().registry) set({ registry });
    },

    openChannel(key) {
      set((s) => ({ channel: key, unread: { ...s.unread, [key]: 0 } }));
    },

    openThread(threadId) {
      set({ threadId, inspected: null });
    },

    inspect(n) {
      set({ inspected: n, threadId: null });
    },

    setFilters(f) {
      set((s) => ({ filters: { ...s.filters, ...f } }));
    },

    setRetention(n) {
      set({ retention: Math.max(100, Math.floor(n)) });
    },

    draft(d) {
      set({ composer: d === null ? null : { ...d, nonce: ++nonce } });
    },

    setOwned(owned) {
      set({ owned });
    },

    findById(id) {
      return byId.get(id);
    },
  }));
}

function pruneTasks(tasks: Record<string, TaskState>): Record<string, TaskState> {
  const keys = Object.keys(tasks);
  if (keys.length <= MAX_TASKS) return tasks;
  const out: Record<string, TaskState> = {};
  for (const k of keys.slice(keys.length - MAX_TASKS)) out[k] = tasks[k]!;
  return out;
}

/** Messages of a channel, with the filters applied. */
export function visibleMessages(
  s: Pick<DashboardState, "messages" | "channel" | "filters">,
): StoredMessage[] {
  const { agent, type, priority, text } = s.filters;
  const needle = text.trim().toLowerCase();
  const out: StoredMessage[] = [];
  for (const m of s.messages) {
    if (!m.channels.includes(s.channel)) continue;
    const msg = m.message;
    if (agent !== "" && msg.from !== agent && ("to" in msg ? msg.to !== agent : true)) continue;
    if (type !== "" && msg.type !== type) continue;
    if (priority !== "" && msg.priority < Number(priority)) continue;
    if (
      needle !== "" &&
      !msg.content.toLowerCase().includes(needle) &&
      !msg.from.toLowerCase().includes(needle)
    )
      continue;
    out.push(m);
  }
  return out;
}

export function threadMessages(s: Pick<DashboardState, "messages">, threadId: string): StoredMessage[] {
  return s.messages.filter((m) => m.message.threadId === threadId && m.message.type !== "heartbeat");
}
