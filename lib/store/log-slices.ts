/**
 * What the page shows from the log (lib/dashboard reads it; this is state only): the history
 * strip at the top of a channel, the marker where the connection was lost and resumed, a thread
 * read whole, search results and a dry replay. Every message here was decoded and checked like
 * live traffic before it reached the store.
 */
import type { AgentMessage } from "../protocol";
import type { ChannelKey } from "./channels";

export interface Incoming {
  readonly subject: string;
  readonly message: AgentMessage;
}

/** A message read from the log: where it is there and when the server stored it. */
export interface LogIncoming extends Incoming {
  readonly logSeq: number;
  readonly storedAt: number;
}

export interface StoredMessage {
  /** This page's key for the message (unique; not its place in the list). */
  readonly seq: number;
  readonly subject: string;
  readonly message: AgentMessage;
  readonly receivedAt: number;
  readonly channels: readonly ChannelKey[];
  /** About what the message holds in memory (./bytes.ts). */
  readonly bytes: number;
  /** Its sequence in the log, when it was read from there. */
  readonly logSeq?: number;
  /** When the server stored it (ms), when it was read from the log. */
  readonly storedAt?: number;
}

/** A page of history: older than everything held, or what a connection drop made the page miss. */
export type LogPage =
  | {
      readonly kind: "older";
      readonly entries: readonly LogIncoming[];
      /** The page reaches the log's first message. */
      readonly atStart: boolean;
    }
  | {
      readonly kind: "resume";
      readonly entries: readonly LogIncoming[];
      /** When the connection was lost, and came back (ms). */
      readonly lostAt: number;
      readonly resumedAt: number;
      /** Messages of the gap not read (past the resume's bound). */
      readonly skipped: number;
    };

/** "connection lost at … · resumed, N messages recovered", shown after message `after`. */
export interface GapMarker {
  readonly key: string;
  /** The message it follows (the last one before the loss); null: the top of the list. */
  readonly after: number | null;
  readonly lostAt: number;
  readonly resumedAt: number;
  /** Messages recovered, per channel. */
  readonly recovered: Readonly<Partial<Record<ChannelKey, number>>>;
  readonly total: number;
  readonly skipped: number;
}

export interface HistoryState {
  /** `waiting`: not connected yet; `unavailable`: the server keeps no log for this root. */
  readonly status: "waiting" | "loading" | "idle" | "unavailable" | "error";
  readonly detail: string;
  /** The log's first message is held (or was evicted): nothing older to load. */
  readonly atStart: boolean;
  /** Retention is full: older messages cannot be held (search still finds them). */
  readonly full: boolean;
  /** Messages taken from the log so far (after dropping what the page already had). */
  readonly loaded: number;
  /** How long the last read took (ms), and how many log messages it read. */
  readonly readMs: number;
  readonly read: number;
}

export interface ThreadLog {
  readonly threadId: string;
  readonly status: "loading" | "done" | "unavailable" | "error";
  readonly detail: string;
  /** The thread's messages found in the log, in log order. */
  readonly items: readonly StoredMessage[];
  /** Log messages read to find them; `truncated`: the scan stopped at its bound. */
  readonly scanned: number;
  readonly truncated: boolean;
}

export interface ReplayState {
  readonly threadId: string;
  readonly status: "loading" | "playing" | "done" | "stopped" | "error";
  readonly detail: string;
  readonly speed: ReplaySpeed;
  readonly items: readonly StoredMessage[];
  /** How many of `items` are on screen so far. */
  readonly shown: number;
}

export const REPLAY_SPEEDS = ["1x", "4x", "instant"] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

export interface SearchQuery {
  readonly text: string;
  /** Sender name, or "". */
  readonly from: string;
  /** Envelope type, or "". */
  readonly type: string;
  readonly threadId: string;
  /** Time range (ms since the epoch), or null. */
  readonly since: number | null;
  readonly until: number | null;
}

export interface SearchState {
  readonly open: boolean;
  readonly status: "idle" | "running" | "done" | "error" | "canceled";
  readonly detail: string;
  readonly query: SearchQuery | null;
  /** Newest first. */
  readonly results: readonly StoredMessage[];
  readonly scanned: number;
  /** The scan stopped at its bound before the start of the range (or of the log). */
  readonly stoppedEarly: boolean;
  /** More matches than the list holds: the oldest were left out. */
  readonly more: boolean;
}

/** What the session sets about a search (results as read from the log). */
export type SearchUpdate = Partial<Omit<SearchState, "results" | "open">> & {
  readonly entries?: readonly LogIncoming[];
};

export type ThreadLogUpdate = Omit<ThreadLog, "items"> & { readonly entries?: readonly LogIncoming[] };

export type ReplayUpdate = Omit<ReplayState, "items"> & { readonly entries?: readonly LogIncoming[] };

export const EMPTY_SEARCH: SearchState = {
  open: false,
  status: "idle",
  detail: "",
  query: null,
  results: [],
  scanned: 0,
  stoppedEarly: false,
  more: false,
};

export const INITIAL_HISTORY: HistoryState = {
  status: "waiting",
  detail: "",
  atStart: false,
  full: false,
  loaded: 0,
  readMs: 0,
  read: 0,
};
