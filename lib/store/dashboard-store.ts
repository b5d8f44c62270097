/**
 * The dashboard's state as a tiny framework-free zustand store: state only, no transport. The
 * browser session (lib/dashboard) pushes live traffic from outside React once per animation
 * frame with `ingest(batch)`, plus the connection status, the clock and the agents this page may
 * stop; components read narrow slices.
 *
 * Bounded in bytes, so a page left open all day stays flat: messages past `retention` (count)
 * or `retentionBytes` (./bytes.ts estimates each message) go oldest first; tasks keep a tail of
 * a streamed answer and a summary of the final one (./tasks.ts); the registry lists at most
 * 2,000 agents with trimmed descriptions (./registry-book.ts); unread counts exist for at most
 * MAX_UNREAD_CHANNELS channels and stop at MAX_UNREAD.
 */
import { createStore } from "zustand/vanilla";
import type { AgentMessage, HeartbeatMessage, PresenceMessage, RejectReason } from "../protocol";
import type { RegistryEntry, RegistryState } from "../registry/reducer";
import { approxBytes, RECORD_BYTES } from "./bytes";
import { channelsOf, type ChannelKey } from "./channels";
import { bookSeen, bookTick, EMPTY_BOOK, Unlisted, type RegistryBook } from "./registry-book";
import { reduceTasks, type TaskState } from "./tasks";

export type { TaskOutcome, TaskState } from "./tasks";

export interface StoredMessage {
  /** Arrival order on this page. */
  readonly seq: number;
  readonly subject: string;
  readonly message: AgentMessage;
  readonly receivedAt: number;
  readonly channels: readonly ChannelKey[];
  /** About what the message holds in memory (./bytes.ts). */
  readonly bytes: number;
}

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "offline" | "signed-out";

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
  readonly retentionBytes: number;
  /** Sum of `bytes` of the retained messages. */
  readonly retainedBytes: number;
  readonly evicted: number;
  readonly received: number;
  readonly rejected: Readonly<Partial<Record<RejectReason, number>>>;
  readonly registry: RegistryState;
  /** Registry entries in display order; a new array only when an agent comes, goes or changes status. */
  readonly roster: readonly RegistryEntry[];
  readonly onlineCount: number;
  /** Agents alive but not listed because the registry is full. */
  readonly unlistedAgents: number;
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
  setRetention(n: number, bytes?: number): void;
  draft(d: Omit<ComposerDraft, "nonce"> | null): void;
  setOwned(owned: Readonly<Record<string, "tab" | "server">>): void;
  /** A retained message by id (a plain lookup, not a subscription). */
  findById(id: string): StoredMessage | undefined;
}

export type DashboardStore = ReturnType<typeof createDashboardStore>;

const EMPTY_FILTERS: Filters = { agent: "", type: "", priority: "", text: "" };
export const MIN_RETENTION = 100;
/** The least byte budget: one message of the protocol's largest size, and some. */
export const MIN_RETENTION_BYTES = 2 * 2 ** 20;
/** Channels with an unread count at most (fixed channels and one per agent). */
export const MAX_UNREAD_CHANNELS = 2_500;
/** An unread count stops here (the badge shows "999+" long before). */
export const MAX_UNREAD = 100_000;

export function createDashboardStore(init: { me: string; retention: number; retentionBytes?: number }) {
  /** Message id -> stored message, for answers to find their question. Pruned with eviction. */
  const byId = new Map<string, StoredMessage>();
  const unlisted = new Unlisted();
  let book: RegistryBook = EMPTY_BOOK;
  let seq = 0;
  let nonce = 0;
  const bookState = (b: RegistryBook) => ({
    registry: b.registry,
    roster: b.roster,
    onlineCount: b.online,
    unlistedAgents: b.unlisted,
  });

  return createStore<DashboardState & DashboardActions>()((set, get) => ({
    me: init.me,
    connection: { status: "connecting", detail: "" },
    messages: [],
    retention: Math.max(MIN_RETENTION, init.retention),
    retentionBytes: Math.max(MIN_RETENTION_BYTES, init.retentionBytes ?? Number.POSITIVE_INFINITY),
    retainedBytes: 0,
    evicted: 0,
    received: 0,
    rejected: {},
    ...bookState(book),
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
      const seen: (PresenceMessage | HeartbeatMessage)[] = [];
      let unread: Partial<Record<ChannelKey, number>> | null = null;
      let unreadKeys = -1;
      let addedBytes = 0;
      for (const { subject, message: m } of batch) {
        if (m.type === "presence" || m.type === "heartbeat") seen.push(m);
        if (m.type === "stream") continue; // partial text lives with its task, not as messages
        const original =
          "inReplyTo" in m && m.inReplyTo !== undefined ? byId.get(m.inReplyTo)?.message : undefined;
        const bytes = RECORD_BYTES + subject.length + approxBytes(m);
        const stored: StoredMessage = {
          seq: ++seq,
          subject,
          message: m,
          receivedAt: now,
          channels: channelsOf(m, original, s.me),
          bytes,
        };
        added.push(stored);
        addedBytes += bytes;
        if (m.type !== "ack") byId.set(m.id, stored);
        for (const c of stored.channels) {
          if (c === s.channel || c === "heartbeats") continue;
          unread ??= { ...s.unread };
          const n = unread[c];
          if (n === undefined) {
            if (unreadKeys < 0) unreadKeys = Object.keys(unread).length;
            if (unreadKeys >= MAX_UNREAD_CHANNELS) continue;
            unreadKeys++;
          }
          if ((n ?? 0) < MAX_UNREAD) unread[c] = (n ?? 0) + 1;
        }
      }
      const kept = retain(
        added.length === 0 ? s.messages : s.messages.concat(added),
        s.retainedBytes + addedBytes,
        s.retention,
        s.retentionBytes,
        byId,
      );
      book = bookSeen(book, unlisted, seen, now);
      let rejected = s.rejected;
      if (rejectedReasons.length > 0) {
        const r = { ...rejected };
        for (const reason of rejectedReasons) r[reason] = (r[reason] ?? 0) + 1;
        rejected = r;
      }
      set({
        messages: kept.messages,
        retainedBytes: kept.bytes,
        evicted: s.evicted + kept.dropped,
        ...(book.registry === s.registry && book.unlisted === s.unlistedAgents ? {} : bookState(book)),
        tasks: reduceTasks(
          s.tasks,
          batch.map((i) => i.message),
        ),
        unread: unread ?? s.unread,
        rejected,
        received: s.received + batch.length,
      });
    },

    setConnection(status, detail = "") {
      set({ connection: { status, detail } });
    },

    tick(now) {
      const next = bookTick(book, unlisted, now);
      if (next === book) return;
      book = next;
      set(bookState(book));
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

    setRetention(n, bytes) {
      const s = get();
      const retention = Math.max(MIN_RETENTION, Math.floor(n));
      const retentionBytes = Math.max(MIN_RETENTION_BYTES, bytes ?? s.retentionBytes);
      const kept = retain(s.messages, s.retainedBytes, retention, retentionBytes, byId);
      set({
        retention,
        retentionBytes,
        messages: kept.messages,
        retainedBytes: kept.bytes,
        evicted: s.evicted + kept.dropped,
      });
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

/**
 * Drops the oldest messages until at most `count` remain and they hold at most `budget` bytes
 * (the newest one always stays, whatever its size); forgets the dropped ones' ids.
 */
function retain(
  messages: readonly StoredMessage[],
  bytes: number,
  count: number,
  budget: number,
  byId: Map<string, StoredMessage>,
): { messages: readonly StoredMessage[]; bytes: number; dropped: number } {
  let drop = Math.max(0, messages.length - count);
  for (let i = 0; i < drop; i++) bytes -= messages[i]!.bytes;
  while (bytes > budget && drop < messages.length - 1) bytes -= messages[drop++]!.bytes;
  if (drop === 0) return { messages, bytes, dropped: 0 };
  for (let i = 0; i < drop; i++) {
    const m = messages[i]!;
    if (byId.get(m.message.id) === m) byId.delete(m.message.id);
  }
  return { messages: messages.slice(drop), bytes, dropped: drop };
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
