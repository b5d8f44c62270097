/**
 * The store's book of message ids: which messages it retains (by id, for answers to find their
 * question), which ids it took lately, and the keys it gives stored messages. Every way a
 * message enters the page (live, history, resume) asks `fresh()` first, so each is kept once.
 */
import type { AgentMessage } from "../protocol";
import { approxBytes, RECORD_BYTES } from "./bytes";
import { channelsOf } from "./channels";
import { IdWindow } from "./id-window";
import type { Incoming, LogIncoming, StoredMessage } from "./log-slices";

/** Presence and heartbeats are neither logged nor sent again: no copies to drop. */
const once = (m: AgentMessage) => m.type !== "presence" && m.type !== "heartbeat";

export class Ledger {
  /** Retained messages by id, acks aside (nothing looks an ack up). */
  readonly byId = new Map<string, StoredMessage>();
  /** Ids of every retained message. */
  private readonly held = new Set<string>();
  private readonly recent: IdWindow;
  private key = 0;
  duplicates = 0;

  constructor(
    readonly me: string,
    recentIds: number,
  ) {
    this.recent = new IdWindow(recentIds);
  }

  /** True the first time the page sees `m`; false (and counted) for a copy. */
  fresh(m: AgentMessage): boolean {
    if (!once(m)) return true;
    if (this.held.has(m.id) || this.recent.has(m.id)) {
      this.duplicates++;
      return false;
    }
    this.recent.add(m.id);
    return true;
  }

  /** A stored message for `i`, retained: answers find it by id from now on. */
  keep(i: Incoming | LogIncoming, now: number): StoredMessage {
    const stored = this.build(i, now, this.byId);
    if (stored.message.type !== "ack") this.byId.set(stored.message.id, stored);
    if (once(stored.message)) this.held.add(stored.message.id);
    return stored;
  }

  /**
   * A stored message that is shown but not retained (a thread read from the log, search
   * results, a replay); `originals` places answers beside their question.
   */
  build(
    i: Incoming | LogIncoming,
    now: number,
    originals: ReadonlyMap<string, StoredMessage> = this.byId,
  ): StoredMessage {
    const m = i.message;
    const original =
      "inReplyTo" in m && m.inReplyTo !== undefined ? originals.get(m.inReplyTo)?.message : undefined;
    const log = "logSeq" in i ? { logSeq: i.logSeq, storedAt: i.storedAt } : {};
    return {
      seq: ++this.key,
      subject: i.subject,
      message: m,
      receivedAt: now,
      channels: channelsOf(m, original, this.me),
      bytes: RECORD_BYTES + i.subject.length + approxBytes(m),
      ...log,
    };
  }

  /** Shown-only messages for a list read from the log, in its order (streamed chunks left out). */
  buildAll(entries: readonly LogIncoming[], now: number): StoredMessage[] {
    const local = new Map<string, StoredMessage>();
    const lookup = {
      get: (id: string) => local.get(id) ?? this.byId.get(id),
    } as ReadonlyMap<string, StoredMessage>;
    const out: StoredMessage[] = [];
    for (const e of entries) {
      if (e.message.type === "stream") continue;
      const s = this.build(e, now, lookup);
      local.set(e.message.id, s);
      out.push(s);
    }
    return out;
  }

  /** `m` was evicted. */
  forget(m: StoredMessage): void {
    if (this.byId.get(m.message.id) === m) this.byId.delete(m.message.id);
    this.held.delete(m.message.id);
  }
}
