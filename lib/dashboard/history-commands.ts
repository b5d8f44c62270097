/**
 * What the person can ask of the log from the page (through the session, like every command):
 * older messages, a thread whole, a search, a dry replay. Before the session is connected each
 * does nothing; `attach()` starts the backfill. At most one search and one replay run at a time:
 * a new one stops the previous one.
 */
import type { Logger, NatsConnection } from "../transport";
import { LogHistory } from "./history";
import type { LogSink, ReplaySpeed, SearchQuery } from "./log-types";
import { replayThread } from "./replay";
import { searchLog } from "./search";

export interface HistoryCommandsOptions {
  readonly root: string;
  readonly sink: LogSink;
  readonly log: Logger;
  /** Messages read at open (default 1,000). */
  readonly backfill?: number;
  /** Bytes read at open at most. */
  readonly maxBytes?: number;
  /** Messages per older page (default 500). */
  readonly page?: number;
}

export class HistoryCommands {
  private history: LogHistory | null = null;
  private searching: AbortController | null = null;
  private replaying: AbortController | null = null;
  private backfilled: Promise<void> = Promise.resolve();

  constructor(private readonly o: HistoryCommandsOptions) {}

  /** Starts reading history on the session's connection (call once the tap subscribed). */
  attach(nc: NatsConnection): void {
    this.history = new LogHistory({ nc, ...this.o });
    this.backfilled = this.history.backfill();
  }

  /** Resolves once the backfill at open is in the store (or failed). */
  get ready(): Promise<void> {
    return this.backfilled;
  }

  loadOlder(): Promise<void> {
    return this.history?.older() ?? Promise.resolve();
  }

  /** Reads thread `threadId` whole from the log; the store shows it in the thread pane. */
  async openThread(threadId: string): Promise<void> {
    await this.history?.thread(threadId);
  }

  search(q: SearchQuery): Promise<void> {
    this.cancelSearch();
    const h = this.history;
    const sink = this.o.sink;
    if (h === null || !h.hasLog) {
      sink.setSearch({ status: "error", detail: "no log on this server", query: q, entries: [] });
      return Promise.resolve();
    }
    const abort = new AbortController();
    this.searching = abort;
    sink.setSearch({ status: "running", detail: "", query: q, scanned: 0, entries: [], stoppedEarly: false });
    return searchLog(
      h,
      this.o.root,
      q,
      (p) => !abort.signal.aborted && sink.setSearch(p),
      abort.signal,
    ).catch((e: unknown) => {
      if (!abort.signal.aborted) sink.setSearch({ status: "error", detail: (e as Error).message });
    });
  }

  cancelSearch(): void {
    if (this.searching === null) return;
    this.searching.abort();
    this.searching = null;
    this.o.sink.setSearch({ status: "canceled" });
  }

  replay(threadId: string, speed: ReplaySpeed): Promise<void> {
    this.stopReplay();
    const h = this.history;
    const sink = this.o.sink;
    if (h === null) return Promise.resolve();
    const abort = new AbortController();
    this.replaying = abort;
    return replayThread(h, threadId, speed, (p) => sink.setReplay(p), abort.signal).catch((e: unknown) => {
      sink.setReplay({ threadId, speed, status: "error", detail: (e as Error).message, shown: 0 });
    });
  }

  /** Stops the replay (its pane keeps what it showed). */
  stopReplay(): void {
    this.replaying?.abort();
    this.replaying = null;
  }

  /** Stops the replay and leaves it: the pane shows the thread again. */
  closeReplay(): void {
    this.stopReplay();
    this.o.sink.setReplay(null);
  }

  /** The connection dropped. */
  lost(at: number): void {
    this.history?.lost(at);
  }

  /** The connection is back: recover what was missed. */
  resume(): Promise<void> {
    return this.history?.resume() ?? Promise.resolve();
  }

  close(): void {
    this.searching?.abort();
    this.replaying?.abort();
    this.history?.close();
  }
}
