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
 *
 * Messages enter live (`ingest`) and from the log (`ingestLog`: older pages go before everything
 * held, what a connection drop missed goes where the connection was lost, with a marker); each
 * is kept once, by id (./ledger.ts). Thread, search and replay results read from the log are
 * shown, not retained.
 */
import { createStore } from "zustand/vanilla";
import type { AgentMessage, HeartbeatMessage, PresenceMessage, RejectReason } from "../protocol";
import type { RegistryEntry, RegistryState } from "../registry/reducer";
import type { ChannelKey } from "./channels";
import { Ledger } from "./ledger";
import { countRejected, countUnread, gapTimes, placeRecovered, retain } from "./merge";
import {
  EMPTY_SEARCH,
  INITIAL_HISTORY,
  type GapMarker,
  type HistoryState,
  type Incoming,
  type LogPage,
  type ReplayState,
  type ReplayUpdate,
  type SearchState,
  type SearchUpdate,
  type StoredMessage,
  type ThreadLog,
  type ThreadLogUpdate,
} from "./log-slices";
import { bookSeen, bookTick, EMPTY_BOOK, Unlisted, type RegistryBook } from "./registry-book";
import { reduceTasks, type TaskState } from "./tasks";
import type { Filters } from "./views";

export type { TaskOutcome, TaskState } from "./tasks";
export type { Filters, ListRow } from "./views";
export { threadMessages, visibleMessages, visibleRows, wholeThread } from "./views";
export type * from "./log-slices";
export { REPLAY_SPEEDS } from "./log-slices";

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "offline" | "signed-out";

export interface DashboardState {
  readonly me: string;
  readonly connection: { readonly status: ConnectionStatus; readonly detail: string };
  /** In the order the page shows them: older history first, live traffic last. */
  readonly messages: readonly StoredMessage[];
  readonly retention: number;
  readonly retentionBytes: number;
  /** Sum of `bytes` of the retained messages. */
  readonly retainedBytes: number;
  readonly evicted: number;
  /** Live messages taken (copies included). */
  readonly received: number;
  /** Copies dropped because the page already had the message (live or from the log). */
  readonly duplicates: number;
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
  readonly history: HistoryState;
  readonly markers: readonly GapMarker[];
  readonly threadLog: ThreadLog | null;
  readonly search: SearchState;
  readonly replay: ReplayState | null;
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

export interface DashboardActions {
  ingest(batch: readonly Incoming[], rejected: readonly RejectReason[]): void;
  /** A page read from the log (decoded and checked like live traffic). */
  ingestLog(page: LogPage, rejected: readonly RejectReason[]): void;
  setHistory(h: Partial<HistoryState>): void;
  setThreadLog(t: ThreadLogUpdate | null): void;
  setSearch(s: SearchUpdate): void;
  setReplay(r: ReplayUpdate | null): void;
  setConnection(status: ConnectionStatus, detail?: string): void;
  tick(now: number): void;
  openChannel(key: ChannelKey): void;
  openThread(threadId: string | null): void;
  inspect(seq: number | null): void;
  openSearch(open: boolean): void;
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
/** Connection-lost markers kept at most. */
const MAX_MARKERS = 20;
/** Ids remembered past retention, to drop late copies (at least). */
const RECENT_IDS = 20_000;

export function createDashboardStore(init: { me: string; retention: number; retentionBytes?: number }) {
  const retention0 = Math.max(MIN_RETENTION, init.retention);
  const ledger = new Ledger(init.me, Math.max(RECENT_IDS, 4 * retention0));
  const unlisted = new Unlisted();
  let book: RegistryBook = EMPTY_BOOK;
  let nonce = 0;
  let markers = 0;
  /** Where the connection was lost (the last message before it), until the resume lands. */
  let gap: { after: number | null } | null = null;
  const bookState = (b: RegistryBook) => ({
    registry: b.registry,
    roster: b.roster,
    onlineCount: b.online,
    unlistedAgents: b.unlisted,
  });

  return createStore<DashboardState & DashboardActions>()((set, get) => {
    return {
      me: init.me,
      connection: { status: "connecting", detail: "" },
      messages: [],
      retention: retention0,
      retentionBytes: Math.max(MIN_RETENTION_BYTES, init.retentionBytes ?? Number.POSITIVE_INFINITY),
      retainedBytes: 0,
      evicted: 0,
      received: 0,
      duplicates: 0,
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
      history: INITIAL_HISTORY,
      markers: [],
      threadLog: null,
      search: EMPTY_SEARCH,
      replay: null,

      ingest(batch, rejectedReasons) {
        const s = get();
        const now = Date.now();
        const added: StoredMessage[] = [];
        const seen: (PresenceMessage | HeartbeatMessage)[] = [];
        const taken: AgentMessage[] = [];
        let addedBytes = 0;
        for (const i of batch) {
          const m = i.message;
          if (!ledger.fresh(m)) continue;
          taken.push(m);
          if (m.type === "presence" || m.type === "heartbeat") seen.push(m);
          if (m.type === "stream") continue; // partial text lives with its task, not as messages
          const stored = ledger.keep(i, now);
          added.push(stored);
          addedBytes += stored.bytes;
        }
        const kept = retain(
          added.length === 0 ? s.messages : s.messages.concat(added),
          s.retainedBytes + addedBytes,
          s.retention,
          s.retentionBytes,
          ledger,
        );
        book = bookSeen(book, unlisted, seen, now);
        set({
          messages: kept.messages,
          retainedBytes: kept.bytes,
          evicted: s.evicted + kept.dropped,
          ...(book.registry === s.registry && book.unlisted === s.unlistedAgents ? {} : bookState(book)),
          tasks: reduceTasks(s.tasks, taken),
          unread: countUnread(s, added, MAX_UNREAD_CHANNELS, MAX_UNREAD) ?? s.unread,
          rejected: countRejected(s, rejectedReasons),
          received: s.received + batch.length,
          duplicates: ledger.duplicates,
        });
      },

      ingestLog(page, rejectedReasons) {
        const s = get();
        const now = Date.now();
        const added: StoredMessage[] = [];
        const taken: AgentMessage[] = [];
        let addedBytes = 0;
        for (const e of page.entries) {
          if (!ledger.fresh(e.message)) continue;
          // An older page's chunks would grow answers that are already final.
          if (e.message.type === "stream" && page.kind === "older") continue;
          taken.push(e.message);
          if (e.message.type === "stream") continue;
          const stored = ledger.keep(e, now);
          added.push(stored);
          addedBytes += stored.bytes;
        }
        let messages: readonly StoredMessage[];
        let nextMarkers = s.markers;
        let unread = s.unread;
        if (page.kind === "older") {
          messages = added.length === 0 ? s.messages : added.concat(s.messages);
        } else {
          const placed = placeRecovered(s.messages, added, gap?.after ?? s.messages.at(-1)?.seq ?? null);
          gap = null;
          messages = placed.messages;
          nextMarkers = [...s.markers, { ...placed.marker, key: `gap-${++markers}`, ...gapTimes(page) }];
          unread = countUnread(s, added, MAX_UNREAD_CHANNELS, MAX_UNREAD) ?? s.unread;
        }
        const kept = retain(messages, s.retainedBytes + addedBytes, s.retention, s.retentionBytes, ledger);
        const held = new Set(kept.messages.map((m) => m.seq));
        set({
          messages: kept.messages,
          retainedBytes: kept.bytes,
          evicted: s.evicted + kept.dropped,
          // A marker whose message was evicted moves to the top; the newest few are kept.
          markers: nextMarkers
            .map((g) => (g.after === null || held.has(g.after) ? g : { ...g, after: null }))
            .slice(-MAX_MARKERS),
          tasks: reduceTasks(s.tasks, taken),
          unread,
          rejected: countRejected(s, rejectedReasons),
          duplicates: ledger.duplicates,
          history: {
            ...s.history,
            loaded: s.history.loaded + added.length,
            atStart: page.kind === "older" ? page.atStart || s.history.atStart : s.history.atStart,
            // An older page that did not fit: what is older cannot be held.
            full: s.history.full || (page.kind === "older" && kept.dropped > 0),
          },
        });
      },

      setHistory(h) {
        set((s) => ({ history: { ...s.history, ...h } }));
      },

      setThreadLog(t) {
        if (t === null) return set({ threadLog: null });
        const { entries, ...rest } = t;
        const prev = get().threadLog;
        const items =
          entries !== undefined
            ? ledger.buildAll(entries, Date.now())
            : prev?.threadId === t.threadId
              ? prev.items
              : [];
        set({ threadLog: { ...rest, items } });
      },

      setSearch(u) {
        const { entries, ...rest } = u;
        set((s) => ({
          search: {
            ...s.search,
            ...rest,
            ...(entries === undefined ? {} : { results: ledger.buildAll(entries, Date.now()) }),
          },
        }));
      },

      setReplay(r) {
        if (r === null) return set({ replay: null });
        const { entries, ...rest } = r;
        const prev = get().replay;
        const items =
          entries !== undefined
            ? ledger.buildAll(entries, Date.now())
            : prev?.threadId === r.threadId
              ? prev.items
              : [];
        set({ replay: { ...rest, items } });
      },

      setConnection(status, detail = "") {
        const s = get();
        // The place the connection was lost: what a resume recovers goes there.
        if (gap === null && s.connection.status === "connected" && status !== "connected")
          gap = { after: s.messages.at(-1)?.seq ?? null };
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
        set((s) => ({
          threadId,
          inspected: null,
          ...(s.threadLog !== null && s.threadLog.threadId !== threadId ? { threadLog: null } : {}),
          ...(s.replay !== null && s.replay.threadId !== threadId ? { replay: null } : {}),
        }));
      },

      inspect(n) {
        set({ inspected: n, threadId: null });
      },

      openSearch(open) {
        set((s) => ({ search: { ...s.search, open }, ...(open ? { threadId: null, inspected: null } : {}) }));
      },

      setFilters(f) {
        set((s) => ({ filters: { ...s.filters, ...f } }));
      },

      setRetention(n, bytes) {
        const s = get();
        const retention = Math.max(MIN_RETENTION, Math.floor(n));
        const retentionBytes = Math.max(MIN_RETENTION_BYTES, bytes ?? s.retentionBytes);
        const kept = retain(s.messages, s.retainedBytes, retention, retentionBytes, ledger);
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
        return ledger.byId.get(id);
      },
    };
  });
}
