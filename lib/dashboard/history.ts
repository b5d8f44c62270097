/**
 * The page's history, read from the log (lib/transport/log/reader.ts) by direct gets only (a
 * person may create no consumer):
 *
 * - **backfill** at open, after the tap subscribed: the newest BACKFILL messages (bounded in
 *   bytes too), in pages read backwards; what also arrived live is dropped by id in the store;
 * - **older** pages before the oldest read, until the log's first message;
 * - **resume** after a drop: from a little before the moment it was lost (by time, and by the
 *   highest sequence seen, whichever is earlier) to the end; the store puts what it did not have
 *   where the connection was lost, with a marker;
 * - a **thread** whole, however old: its id says when it began (time-ordered ids), so the read
 *   starts there and walks forward, bounded.
 *
 * Everything read is decoded with the tap's own decoder (codec, subject and sender checks): the
 * log holds what anyone with publish rights sent, so it is trusted no more than live traffic.
 */
import { idTime, logLayout, subjects, type RejectReason, type Subjects } from "../protocol";
import { LogReader, type Logger, type LoggedMessage, type NatsConnection } from "../transport";
import { decodeTapped } from "../transport/tap";
import type { LogEntry, LogSink } from "./log-types";

export interface LogHistoryOptions {
  readonly nc: NatsConnection;
  readonly root: string;
  readonly sink: LogSink;
  readonly log: Logger;
  /** Messages read at open (default 1,000). */
  readonly backfill?: number;
  /** Bytes read at open at most (default 16 MiB); an older page reads a quarter of it. */
  readonly maxBytes?: number;
  /** Messages per older page (default 500). */
  readonly page?: number;
}

/** How far before the moment of the drop a resume reads: clocks differ, and the drop is noticed late. */
const RESUME_MARGIN_MS = 5_000;
/** A resume reads at most this many messages (the newest of the gap). */
const MAX_RESUME = 5_000;
/** A thread's first message may be stored a little after its id was made (clocks differ). */
const THREAD_MARGIN_MS = 60_000;
/** A thread read walks at most this many log messages, and keeps at most THREAD_MAX of them. */
const THREAD_SCAN = 20_000;
const THREAD_MAX = 1_000;
/** How often the log's end is noted while connected (a resume starts no later than it). */
const NOTE_END_MS = 15_000;
/** Direct gets per page read backwards. */
const READ_PAGE = 250;
/**
 * At open, each kind of channel also gets its own newest messages, however far back: a busy DM
 * must not push #all's last broadcasts (or stops) out of the backfill (read by subject, ~one get each).
 */
const PER_KIND = 100;
const CHANNEL_KINDS = ["all", "stop", "request", "handoff", "direct", "response"] as const;

export class LogHistory {
  readonly reader: LogReader;
  private readonly s: Subjects;
  private readonly sink: LogSink;
  /** The lowest log sequence read (null: nothing read yet). */
  private oldest: number | null = null;
  /** The highest log sequence known to have been taken (read, or known to be the end while connected). */
  private knownLast = 0;
  private lostAt: number | null = null;
  private available = false;
  /** Reads of the list (older, resume) run one at a time. */
  private queue: Promise<void> = Promise.resolve();
  private threadRead = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly o: LogHistoryOptions) {
    this.reader = new LogReader(o.nc, logLayout(o.root));
    this.s = subjects(o.root);
    this.sink = o.sink;
  }

  /** Whether the server keeps a log for this root (known once `backfill` ran). */
  get hasLog(): boolean {
    return this.available;
  }

  /** The newest messages of the log, older than anything live. Call after the tap subscribed. */
  backfill(): Promise<void> {
    return this.serial(async () => {
      this.sink.setHistory({ status: "loading", detail: "reading history" });
      let b;
      try {
        b = await this.reader.bounds();
      } catch (e) {
        this.sink.setHistory({ status: "unavailable", detail: `no log on this server (${reason(e)})` });
        return;
      }
      this.available = true;
      this.knownLast = b.last;
      this.timer = setInterval(() => void this.noteEnd(), NOTE_END_MS);
      const want = this.o.backfill ?? 1_000;
      const t0 = performance.now();
      const read = await this.readBack(b.last + 1, b.first, want, this.o.maxBytes ?? 16 * 2 ** 20);
      // Each kind's newest that the window above did not reach: older than all of it.
      const perKind = await Promise.all(
        CHANNEL_KINDS.map((k) => this.reader.lastMatching(`${this.o.root}.${k}.>`, Math.min(PER_KIND, want))),
      );
      const extra = [
        ...new Map(
          perKind
            .flat()
            .filter((m) => m.seq < read.from)
            .map((m) => [m.seq, m]),
        ).values(),
      ];
      extra.sort((x, y) => x.seq - y.seq);
      this.take(
        { kind: "older", atStart: read.from <= b.first },
        [...extra, ...read.messages],
        read.messages[0]?.seq,
      );
      const readMs = Math.round(performance.now() - t0);
      const atStart = read.from <= b.first;
      this.sink.setHistory({ status: "idle", detail: "", atStart, readMs, read: read.messages.length });
    });
  }

  /** The page before the oldest read. */
  older(): Promise<void> {
    return this.serial(async () => {
      if (!this.available || this.oldest === null) return;
      this.sink.setHistory({ status: "loading", detail: "reading older messages" });
      const b = await this.reader.bounds();
      const before = Math.min(this.oldest, b.last + 1);
      const page = this.o.page ?? 500;
      const read = await this.readBack(before, b.first, page, (this.o.maxBytes ?? 16 * 2 ** 20) / 4);
      this.take({ kind: "older", atStart: read.from <= b.first }, read.messages);
      this.sink.setHistory({ status: "idle", detail: "", atStart: read.from <= b.first });
    });
  }

  /** The connection dropped at `at` (the first drop counts until a resume succeeds). */
  lost(at: number): void {
    this.lostAt ??= at;
  }

  /** The connection is back: read what was missed, from a little before it was lost. */
  resume(): Promise<void> {
    return this.serial(async () => {
      const lostAt = this.lostAt;
      if (!this.available || lostAt === null) return;
      await this.o.nc.flush(); // the tap's subscription is back on the server before the end is read
      const t0 = performance.now();
      const b = await this.reader.bounds();
      const byTime = await this.reader.seqAt(lostAt - RESUME_MARGIN_MS);
      let from = Math.max(b.first, Math.min(byTime, this.knownLast + 1));
      const skipped = Math.max(0, b.last - from + 1 - MAX_RESUME);
      from += skipped;
      const messages = from <= b.last ? await this.reader.range(from, b.last) : [];
      this.lostAt = null;
      this.knownLast = Math.max(this.knownLast, b.last);
      this.take({ kind: "resume", lostAt, resumedAt: Date.now(), skipped }, messages);
      this.sink.setHistory({ readMs: Math.round(performance.now() - t0), read: messages.length });
    });
  }

  /** Reads thread `threadId` whole from the log (bounded) and hands it to the sink. */
  async thread(threadId: string): Promise<readonly LogEntry[]> {
    const mine = ++this.threadRead;
    const sink = this.sink;
    const base = { threadId, scanned: 0, truncated: false };
    if (!this.available) {
      sink.setThreadLog({ ...base, status: "unavailable", detail: "no log on this server" });
      return [];
    }
    sink.setThreadLog({ ...base, status: "loading", detail: "reading the thread from the log" });
    try {
      const b = await this.reader.bounds();
      const began = idTime(threadId);
      const from =
        began !== null && began <= Date.now() + THREAD_MARGIN_MS
          ? await this.reader.seqAt(began - THREAD_MARGIN_MS)
          : Math.max(b.first, b.last - THREAD_SCAN + 1);
      const found: LoggedMessage[] = [];
      let scanned = 0;
      const text = new TextDecoder();
      for await (const m of this.reader.scan(from, { limit: THREAD_SCAN })) {
        scanned++;
        if (mine !== this.threadRead || this.closed) return [];
        // Cheap first look at the bytes; the decoder has the last word.
        if (text.decode(m.data).includes(threadId)) found.push(m);
        if (found.length >= THREAD_MAX) break;
      }
      // Bad messages were counted when the list read them; a re-read only logs them.
      const mineOnly = this.decode(found).entries.filter((e) => e.message.threadId === threadId);
      const truncated = scanned >= THREAD_SCAN || found.length >= THREAD_MAX;
      sink.setThreadLog({ ...base, status: "done", detail: "", scanned, truncated, entries: mineOnly });
      return mineOnly;
    } catch (e) {
      if (mine === this.threadRead) sink.setThreadLog({ ...base, status: "error", detail: reason(e) });
      return [];
    }
  }

  /** Decodes log messages as the tap decodes live ones: bad ones are dropped and counted. */
  decode(messages: readonly LoggedMessage[]): { entries: LogEntry[]; rejected: RejectReason[] } {
    const entries: LogEntry[] = [];
    const rejected: RejectReason[] = [];
    for (const m of messages) {
      const d = decodeTapped(this.s, m.subject, m.data);
      if (d.ok) entries.push({ ...d.tapped, logSeq: m.seq, storedAt: m.storedAt });
      else {
        rejected.push(d.rejection.reason);
        this.o.log.warn(`dropped logged message ${m.seq} on ${m.subject}: ${d.rejection.reason}`);
      }
    }
    return { entries, rejected };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** Reads backwards from `before` (exclusive) until `count` messages or `maxBytes`, or `first`. */
  private async readBack(before: number, first: number, count: number, maxBytes: number) {
    const pages: LoggedMessage[][] = [];
    let from = before;
    let n = 0;
    let bytes = 0;
    while (from > first && n < count && bytes < maxBytes && !this.closed) {
      const start = Math.max(first, from - Math.min(READ_PAGE, count - n));
      const page = await this.reader.range(start, from - 1);
      pages.unshift(page);
      n += page.length;
      for (const m of page) bytes += m.data.byteLength;
      from = start;
    }
    return { from, messages: pages.flat() };
  }

  /** `oldestRead`: where older pages go on from (default: the first of `messages`). */
  private take(
    page: { kind: "older"; atStart: boolean } | ResumeInfo,
    messages: LoggedMessage[],
    oldestRead = messages[0]?.seq,
  ): void {
    if (this.closed) return;
    const first = oldestRead;
    if (page.kind === "older" && first !== undefined) this.oldest = Math.min(this.oldest ?? first, first);
    if (page.kind === "older" && first === undefined) this.oldest ??= this.knownLast + 1;
    const last = messages.at(-1)?.seq;
    if (last !== undefined) this.knownLast = Math.max(this.knownLast, last);
    const { entries, rejected } = this.decode(messages);
    this.sink.ingestLog({ ...page, entries }, rejected);
  }

  private async noteEnd(): Promise<void> {
    if (this.lostAt !== null || this.o.nc.isClosed()) return;
    try {
      const b = await this.reader.bounds();
      if (this.lostAt === null) this.knownLast = Math.max(this.knownLast, b.last);
    } catch {
      // disconnected meanwhile: the resume reads by time
    }
  }

  private serial(f: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.closed) return;
      try {
        await f();
      } catch (e) {
        if (this.closed) return;
        this.o.log.warn(`history: ${reason(e)}`);
        this.sink.setHistory({ status: "error", detail: reason(e) });
      }
    });
    this.queue = run;
    return run;
  }
}

type ResumeInfo = { kind: "resume"; lostAt: number; resumedAt: number; skipped: number };

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
