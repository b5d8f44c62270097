/**
 * What an agent remembers of each conversation: the turns it had in a thread with one participant
 * (the sender of the message it answered), bounded in UTF-8 bytes per conversation and in all.
 *
 * Why per (thread, participant): a thread id travels in every message of the thread, so anyone who
 * has seen one could otherwise write into what the agent remembers of someone else's conversation.
 * Why bytes, not turns: two 1 MB turns in a 24-turn window would ride along in every later prompt
 * and break the thread for good.
 *
 * When a conversation outgrows its bound, whole exchanges go, oldest first (an exchange starts at a
 * user turn, so what is kept never starts with a tool result or a tool call cut from its results),
 * and one note at the start says how many turns went. An exchange that alone is over the bound is
 * kept clipped ("…[clipped N bytes]"), never whole. Past `maxTotalBytes` or `maxThreads`, the least
 * recently used conversations are forgotten whole.
 */
import { DEFAULTS } from "../../lib/config";
import type { ChatMessage } from "../llm/model";

export interface ThreadMemoryOptions {
  /** UTF-8 bytes one conversation (thread, participant) may hold, its note included. */
  readonly maxBytesPerThread?: number;
  /** Conversations remembered at once. */
  readonly maxThreads?: number;
  /** UTF-8 bytes all conversations together may hold. */
  readonly maxTotalBytes?: number;
}

export const MEMORY_DEFAULTS = {
  maxBytesPerThread: DEFAULTS.memoryThreadBytes,
  maxThreads: 1_000,
  maxTotalBytes: 16 * 2 ** 20,
} as const;

/** Below this a conversation could not hold its note and one clipped exchange. */
const MIN_BYTES_PER_THREAD = 1_024;

interface Turn {
  readonly message: ChatMessage;
  readonly bytes: number;
}

interface Conversation {
  turns: Turn[];
  /** Turns dropped so far to stay within the bound. */
  dropped: number;
  /** Bytes of the turns and the note. */
  bytes: number;
}

export class ThreadMemory {
  private readonly conversations = new Map<string, Conversation>();
  private total = 0;
  private readonly maxBytesPerThread: number;
  private readonly maxThreads: number;
  private readonly maxTotalBytes: number;

  constructor(options: ThreadMemoryOptions = {}) {
    this.maxBytesPerThread = options.maxBytesPerThread ?? MEMORY_DEFAULTS.maxBytesPerThread;
    this.maxThreads = options.maxThreads ?? MEMORY_DEFAULTS.maxThreads;
    this.maxTotalBytes = options.maxTotalBytes ?? MEMORY_DEFAULTS.maxTotalBytes;
    if (!Number.isSafeInteger(this.maxBytesPerThread) || this.maxBytesPerThread < MIN_BYTES_PER_THREAD)
      throw new RangeError(
        `ThreadMemory: maxBytesPerThread must be a whole number >= ${MIN_BYTES_PER_THREAD}`,
      );
    if (!Number.isSafeInteger(this.maxThreads) || this.maxThreads < 1)
      throw new RangeError("ThreadMemory: maxThreads must be a whole number >= 1");
    if (!Number.isSafeInteger(this.maxTotalBytes) || this.maxTotalBytes < this.maxBytesPerThread)
      throw new RangeError("ThreadMemory: maxTotalBytes must be a whole number >= maxBytesPerThread");
  }

  /** Bytes held over all conversations. */
  get bytes(): number {
    return this.total;
  }

  /** Conversations held. */
  get size(): number {
    return this.conversations.size;
  }

  /** What the agent remembers of `threadId` with `participant`: a note, if turns went, then the turns. */
  history(threadId: string, participant: string): readonly ChatMessage[] {
    const k = key(threadId, participant);
    const c = this.conversations.get(k);
    if (c === undefined) return [];
    this.conversations.delete(k); // move to most recently used
    this.conversations.set(k, c);
    const turns = c.turns.map((t) => t.message);
    return c.dropped === 0 ? turns : [droppedNote(c.dropped, this.maxBytesPerThread), ...turns];
  }

  append(threadId: string, participant: string, ...messages: ChatMessage[]): void {
    const k = key(threadId, participant);
    const old = this.conversations.get(k);
    this.conversations.delete(k);
    this.total -= old?.bytes ?? 0;
    const c = fit(
      [...(old?.turns ?? []), ...messages.map(turnOf)],
      old?.dropped ?? 0,
      this.maxBytesPerThread,
    );
    this.conversations.set(k, c);
    this.total += c.bytes;
    for (const [oldest, o] of this.conversations) {
      if (this.total <= this.maxTotalBytes && this.conversations.size <= this.maxThreads) break;
      if (oldest === k) break; // the newest alone is within both bounds (checked in the constructor)
      this.conversations.delete(oldest);
      this.total -= o.bytes;
    }
  }
}

/** One key per (thread, participant): JSON of the pair, so no separator can make two pairs meet. */
function key(threadId: string, participant: string): string {
  return JSON.stringify([threadId, participant]);
}

function droppedNote(count: number, bound: number): ChatMessage {
  const turns = count === 1 ? "1 earlier turn" : `${count} earlier turns`;
  return {
    role: "user",
    content: `[memory: ${turns} of this conversation ${count === 1 ? "was" : "were"} dropped to stay within ${bound} bytes]`,
  };
}

/**
 * `turns` within `bound` bytes, note included: exchanges dropped oldest first, and the last one
 * clipped if it alone is too big (or dropped too, when what cannot be clipped is).
 */
function fit(turns: Turn[], dropped: number, bound: number): Conversation {
  // What is kept starts at a user turn: anything before the first one has lost its start.
  let start = turns.findIndex((t) => t.message.role === "user");
  if (start < 0) start = turns.length;
  let kept = turns.slice(start);
  dropped += start;
  const noteBytes = () => (dropped === 0 ? 0 : sizeOf(droppedNote(dropped, bound)));
  let bytes = sum(kept);
  while (bytes + noteBytes() > bound) {
    const next = kept.findIndex((t, i) => i > 0 && t.message.role === "user");
    if (next > 0) {
      // Drop the oldest exchange.
      bytes -= sum(kept.slice(0, next));
      dropped += next;
      kept = kept.slice(next);
      continue;
    }
    // One exchange left and too big: clip it, or when that cannot save it, drop it too.
    const clipped = clipExchange(kept, bound - noteBytes());
    if (clipped === null) {
      dropped += kept.length;
      kept = [];
    } else {
      kept = clipped;
    }
    bytes = sum(kept);
    break;
  }
  return { turns: kept, dropped, bytes: bytes + noteBytes() };
}

/**
 * The exchange within `budget` bytes, each turn's content cut to a fair share (turns under the
 * share stay whole, the rest share what is left); `null` when the parts that cannot be cut (tool
 * calls, whose arguments must stay valid JSON) do not fit.
 */
function clipExchange(turns: readonly Turn[], budget: number): Turn[] | null {
  const fixed = turns.map((t) => t.bytes - utf8Length(t.message.content));
  let left = budget - fixed.reduce((a, b) => a + b, 0);
  if (left < 0) return null;
  const contents = turns.map((t) => utf8Length(t.message.content));
  const order = contents.map((_, i) => i).sort((a, b) => contents[a]! - contents[b]!);
  const cap: number[] = [];
  let n = order.length;
  for (const i of order) {
    const share = Math.floor(left / n);
    cap[i] = Math.min(contents[i]!, share);
    left -= cap[i];
    n--;
  }
  return turns.map((t, i) =>
    contents[i]! <= cap[i]! ? t : turnOf({ ...t.message, content: clipToBytes(t.message.content, cap[i]!) }),
  );
}

/**
 * At most `max` UTF-8 bytes of `text`, ending in "…[clipped N bytes]" when cut; cut between code
 * points, so never inside a UTF-8 sequence or a surrogate pair.
 */
function clipToBytes(text: string, max: number): string {
  const total = utf8Length(text);
  if (total <= max) return text;
  // The marker for the most that could be cut: the real one has no more digits.
  const reserve = utf8Length(marker(total));
  const room = reserve <= max ? max - reserve : max;
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const n = codePointBytes(ch.codePointAt(0)!);
    if (used + n > room) break;
    used += n;
    end += ch.length;
  }
  return reserve <= max ? `${text.slice(0, end)}${marker(total - used)}` : text.slice(0, end);
}

function marker(cut: number): string {
  return `…[clipped ${cut} bytes]`;
}

function turnOf(message: ChatMessage): Turn {
  return { message, bytes: sizeOf(message) };
}

/**
 * A turn's size: the UTF-8 bytes of its role, text, tool calls and tool call id, as a prompt
 * carries them. The role makes even an empty turn count, so the bound also bounds the turns.
 */
function sizeOf(m: ChatMessage): number {
  let n = utf8Length(m.role) + utf8Length(m.content) + utf8Length(m.toolCallId ?? "");
  for (const c of m.toolCalls ?? []) n += utf8Length(c.id) + utf8Length(c.name) + utf8Length(c.arguments);
  return n;
}

function sum(turns: readonly Turn[]): number {
  return turns.reduce((a, t) => a + t.bytes, 0);
}

/** UTF-8 bytes of `text`, counted without encoding it (a lone surrogate encodes as U+FFFD: 3). */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
        continue;
      }
    }
    n += codePointBytes(c);
  }
  return n;
}

function codePointBytes(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}
