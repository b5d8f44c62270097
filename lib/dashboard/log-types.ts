/**
 * What the session tells the store about the log (history, a drop's recovery, a thread read
 * whole, search, dry replay): the sink's side of it. The store declares the same shapes
 * (lib/store/log-slices.ts); the two meet in components/, where the sink is wired.
 */
import type { RejectReason } from "../protocol";
import type { TappedMessage } from "../transport";

/** A message read from the log, decoded and checked like live traffic. */
export interface LogEntry extends TappedMessage {
  readonly logSeq: number;
  /** When the server stored it (ms). */
  readonly storedAt: number;
}

export type HistoryPage =
  | { readonly kind: "older"; readonly entries: readonly LogEntry[]; readonly atStart: boolean }
  | {
      readonly kind: "resume";
      readonly entries: readonly LogEntry[];
      readonly lostAt: number;
      readonly resumedAt: number;
      readonly skipped: number;
    };

export interface HistoryStatus {
  readonly status?: "waiting" | "loading" | "idle" | "unavailable" | "error";
  readonly detail?: string;
  readonly atStart?: boolean;
  /** How long the last read took (ms), and how many log messages it read. */
  readonly readMs?: number;
  readonly read?: number;
}

export interface ThreadRead {
  readonly threadId: string;
  readonly status: "loading" | "done" | "unavailable" | "error";
  readonly detail: string;
  readonly scanned: number;
  readonly truncated: boolean;
  readonly entries?: readonly LogEntry[];
}

export interface SearchQuery {
  readonly text: string;
  readonly from: string;
  readonly type: string;
  readonly threadId: string;
  readonly since: number | null;
  readonly until: number | null;
}

export interface SearchProgress {
  readonly status?: "idle" | "running" | "done" | "error" | "canceled";
  readonly detail?: string;
  readonly query?: SearchQuery | null;
  readonly scanned?: number;
  readonly stoppedEarly?: boolean;
  readonly more?: boolean;
  /** Matches so far, newest first. */
  readonly entries?: readonly LogEntry[];
}

export type ReplaySpeed = "1x" | "4x" | "instant";

export interface ReplayProgress {
  readonly threadId: string;
  readonly status: "loading" | "playing" | "done" | "stopped" | "error";
  readonly detail: string;
  readonly speed: ReplaySpeed;
  readonly shown: number;
  readonly entries?: readonly LogEntry[];
}

/** The sink's log half (DashboardSink extends it). */
export interface LogSink {
  ingestLog(page: HistoryPage, rejected: readonly RejectReason[]): void;
  setHistory(h: HistoryStatus): void;
  setThreadLog(t: ThreadRead | null): void;
  setSearch(s: SearchProgress): void;
  setReplay(r: ReplayProgress | null): void;
}
