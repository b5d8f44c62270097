/**
 * Reading the log (lib/protocol/log.ts): what a dashboard shows as history, what `switchboard
 * history` and `tail --since` print, what search and dry replay walk through. Only direct gets
 * (`$JS.API.DIRECT.GET.{stream}`): a person or the CLI may read every message, but creates no
 * consumer, so it can never pull from an agent's delivery queue.
 *
 * Direct gets by sequence are independent, so a page of history is fetched with many in flight
 * at once; a filtered scan (`next_by_subj`) walks forward one match at a time.
 * The bytes are returned as stored: the caller decodes them with the protocol's codec, like any
 * message from the bus (the log holds what anyone with publish rights sent).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager, type JetStreamManager, type StoredMsg } from "@nats-io/jetstream";
import type { LogLayout } from "../../protocol";

export interface LoggedMessage {
  /** The log's sequence number: unique, increasing. */
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  /** When the server stored it (ms since the epoch). */
  readonly storedAt: number;
}

export interface LogBounds {
  /** The oldest sequence still held (0 when empty). */
  readonly first: number;
  /** The newest (0 when empty). */
  readonly last: number;
  readonly messages: number;
  readonly bytes: number;
  /** When the oldest held message was stored (ms; 0 when empty). */
  readonly firstAt: number;
}

/** Direct gets in flight at once while reading a range. */
const IN_FLIGHT = 64;

export class LogReader {
  private jsm: Promise<JetStreamManager> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    readonly layout: LogLayout,
  ) {}

  /** What the log holds now. Rejects when there is no log (no JetStream, or no stream for the root). */
  async bounds(): Promise<LogBounds> {
    const info = await (await this.manager()).streams.info(this.layout.stream);
    const s = info.state;
    return {
      first: s.messages === 0 ? 0 : s.first_seq,
      last: s.messages === 0 ? 0 : s.last_seq,
      messages: s.messages,
      bytes: s.bytes,
      firstAt: s.messages === 0 ? 0 : Date.parse(s.first_ts),
    };
  }

  /** Message `seq`, or null when it is not held (aged out, or past the end). */
  async get(seq: number): Promise<LoggedMessage | null> {
    return logged(await (await this.manager()).direct.getMessage(this.layout.stream, { seq }));
  }

  /** The first message at or after `seq` whose subject matches `filter` (wildcards allowed), or null. */
  async next(seq: number, filter: string): Promise<LoggedMessage | null> {
    const jsm = await this.manager();
    return logged(await jsm.direct.getMessage(this.layout.stream, { seq, next_by_subj: filter }));
  }

  /** Every message held from `from` to `to` (inclusive), in order, many gets in flight. */
  async range(from: number, to: number): Promise<LoggedMessage[]> {
    const out: (LoggedMessage | null)[] = [];
    const jsm = await this.manager();
    let seq = Math.max(1, from);
    const worker = async () => {
      while (seq <= to) {
        const mine = seq++;
        out[mine - from] = logged(await jsm.direct.getMessage(this.layout.stream, { seq: mine }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, Math.max(0, to - from + 1)) }, worker));
    return out.filter((m): m is LoggedMessage => m != null);
  }

  /** Up to `n` messages before sequence `before` (default: the newest), oldest first. */
  async last(n: number, before?: number): Promise<LoggedMessage[]> {
    const b = await this.bounds();
    if (b.messages === 0) return [];
    const end = Math.min(before === undefined ? b.last : before - 1, b.last);
    return this.range(Math.max(b.first, end - n + 1), end);
  }

  /**
   * The newest `n` messages whose subject matches `filter`, oldest first, however far back they
   * are: the newest match is one direct get (`last_by_subj`), then windows before it are walked
   * forward by subject (`next_by_subj`: the server skips what does not match), each window four
   * times the last, until `n` are found or the log's start. Costs about one get per match.
   */
  async lastMatching(filter: string, n: number): Promise<LoggedMessage[]> {
    const jsm = await this.manager();
    const newest = logged(await jsm.direct.getMessage(this.layout.stream, { last_by_subj: filter }));
    if (newest === null || n <= 0) return [];
    const b = await this.bounds();
    let window = Math.max(n * 4, 256);
    for (;;) {
      const from = Math.max(b.first, newest.seq - window + 1);
      const found: LoggedMessage[] = [];
      for await (const m of this.scan(from, { filter })) {
        if (m.seq > newest.seq) break;
        found.push(m);
      }
      if (found.length >= n || from <= b.first) return found.slice(-n);
      window *= 4;
    }
  }

  /** The first sequence stored at or after `time` (ms); `last + 1` when everything is older. */
  async seqAt(time: number): Promise<number> {
    const b = await this.bounds();
    if (b.messages === 0) return 1;
    let lo = b.first;
    let hi = b.last + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      // A gap (a message deleted inside the range) counts with the next message that exists.
      const m = (await this.get(mid)) ?? (await this.next(mid, ">"));
      if (m === null || m.storedAt >= time) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Walks forward from `from`, `filter` (a subject with wildcards) narrowing it on the server,
   * until `limit` messages or the end. For search, history of a thread, `tail --since`.
   */
  async *scan(from: number, o: { filter?: string; limit?: number } = {}): AsyncGenerator<LoggedMessage> {
    const filter = o.filter ?? ">";
    const limit = o.limit ?? Number.POSITIVE_INFINITY;
    let seq = Math.max(1, from);
    let n = 0;
    if (filter === ">") {
      // Unfiltered: pages of parallel gets are much faster than one hop per message.
      const b = await this.bounds();
      seq = Math.max(seq, b.first);
      while (n < limit && seq <= b.last) {
        const to = Math.min(b.last, seq + 255, seq + (limit - n) - 1);
        for (const m of await this.range(seq, to)) {
          yield m;
          if (++n >= limit) return;
        }
        seq = to + 1;
      }
      return;
    }
    while (n < limit) {
      const m = await this.next(seq, filter);
      if (m === null) return;
      yield m;
      n++;
      seq = m.seq + 1;
    }
  }

  private manager(): Promise<JetStreamManager> {
    this.jsm ??= jetstreamManager(this.nc, { checkAPI: false });
    return this.jsm;
  }
}

function logged(m: StoredMsg | null): LoggedMessage | null {
  if (m === null) return null;
  return { seq: m.seq, subject: m.subject, data: m.data, storedAt: m.time.getTime() };
}
