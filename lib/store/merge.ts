/**
 * How messages join what the store holds: retention (oldest out first, in count and bytes),
 * where recovered messages go after a connection drop, and the counters a batch moves. Pure.
 */
import type { RejectReason } from "../protocol";
import type { ChannelKey } from "./channels";
import type { Ledger } from "./ledger";
import type { GapMarker, LogPage, StoredMessage } from "./log-slices";

/**
 * Drops the oldest messages until at most `count` remain and they hold at most `budget` bytes
 * (the newest one always stays, whatever its size); forgets the dropped ones' ids.
 */
export function retain(
  messages: readonly StoredMessage[],
  bytes: number,
  count: number,
  budget: number,
  ledger: Pick<Ledger, "forget">,
): { messages: readonly StoredMessage[]; bytes: number; dropped: number } {
  let drop = Math.max(0, messages.length - count);
  for (let i = 0; i < drop; i++) bytes -= messages[i]!.bytes;
  while (bytes > budget && drop < messages.length - 1) bytes -= messages[drop++]!.bytes;
  if (drop === 0) return { messages, bytes, dropped: 0 };
  for (let i = 0; i < drop; i++) ledger.forget(messages[i]!);
  return { messages: messages.slice(drop), bytes, dropped: drop };
}

/**
 * Messages recovered after a drop go right after `after` (the last message before the loss;
 * null, or no longer held: the top), before what arrived live since; the marker goes there too.
 */
export function placeRecovered(
  messages: readonly StoredMessage[],
  recovered: readonly StoredMessage[],
  after: number | null,
): { messages: StoredMessage[]; marker: Pick<GapMarker, "after" | "recovered" | "total"> } {
  const at = after === null ? 0 : messages.findIndex((m) => m.seq === after) + 1;
  const counts: Partial<Record<ChannelKey, number>> = {};
  for (const m of recovered) for (const c of m.channels) counts[c] = (counts[c] ?? 0) + 1;
  return {
    messages: [...messages.slice(0, at), ...recovered, ...messages.slice(at)],
    marker: { after: at === 0 ? null : after, recovered: counts, total: recovered.length },
  };
}

export function gapTimes(page: Extract<LogPage, { kind: "resume" }>) {
  return { lostAt: page.lostAt, resumedAt: page.resumedAt, skipped: page.skipped };
}

/** Unread counts with `added` counted (outside the open channel), or null when none changed. */
export function countUnread(
  s: { readonly channel: ChannelKey; readonly unread: Readonly<Partial<Record<ChannelKey, number>>> },
  added: readonly StoredMessage[],
  maxChannels: number,
  max: number,
): Partial<Record<ChannelKey, number>> | null {
  let unread: Partial<Record<ChannelKey, number>> | null = null;
  let keys = -1;
  for (const stored of added) {
    for (const c of stored.channels) {
      if (c === s.channel || c === "heartbeats") continue;
      unread ??= { ...s.unread };
      const n = unread[c];
      if (n === undefined) {
        if (keys < 0) keys = Object.keys(unread).length;
        if (keys >= maxChannels) continue;
        keys++;
      }
      if ((n ?? 0) < max) unread[c] = (n ?? 0) + 1;
    }
  }
  return unread;
}

export function countRejected(
  s: { readonly rejected: Readonly<Partial<Record<RejectReason, number>>> },
  reasons: readonly RejectReason[],
): Readonly<Partial<Record<RejectReason, number>>> {
  if (reasons.length === 0) return s.rejected;
  const r = { ...s.rejected };
  for (const reason of reasons) r[reason] = (r[reason] ?? 0) + 1;
  return r;
}
