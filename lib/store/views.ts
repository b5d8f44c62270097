/**
 * What the panes show, computed from the store's state: a channel's rows (messages with the
 * filters applied, and the markers where the connection was lost), and a thread (what the page
 * retains, completed by what was read of it from the log).
 */
import type { ChannelKey } from "./channels";
import type { GapMarker, StoredMessage, ThreadLog } from "./log-slices";

export interface Filters {
  readonly agent: string;
  readonly type: string;
  readonly priority: string; // "" or "1".."5" (at least)
  readonly text: string;
}

export type ListRow =
  | { readonly kind: "message"; readonly stored: StoredMessage }
  | { readonly kind: "marker"; readonly marker: GapMarker };

interface ChannelView {
  readonly messages: readonly StoredMessage[];
  readonly channel: ChannelKey;
  readonly filters: Filters;
}

/** Messages of a channel, with the filters applied. */
export function visibleMessages(s: ChannelView): StoredMessage[] {
  const out: StoredMessage[] = [];
  const keep = matcher(s.filters);
  for (const m of s.messages) if (m.channels.includes(s.channel) && keep(m)) out.push(m);
  return out;
}

/** A channel's rows: its messages, and each gap marker after the message it follows. */
export function visibleRows(s: ChannelView & { readonly markers: readonly GapMarker[] }): ListRow[] {
  const out: ListRow[] = [];
  const showMarkers = s.markers.length > 0 && s.channel !== "heartbeats";
  const after = new Map<number | null, GapMarker[]>();
  if (showMarkers) for (const g of s.markers) after.set(g.after, [...(after.get(g.after) ?? []), g]);
  const markersAfter = (key: number | null) => {
    for (const marker of after.get(key) ?? []) out.push({ kind: "marker", marker });
  };
  if (showMarkers) markersAfter(null);
  const keep = matcher(s.filters);
  for (const m of s.messages) {
    if (m.channels.includes(s.channel) && keep(m)) out.push({ kind: "message", stored: m });
    if (showMarkers && after.has(m.seq)) markersAfter(m.seq);
  }
  return out;
}

function matcher(f: Filters): (m: StoredMessage) => boolean {
  const { agent, type, priority, text } = f;
  const needle = text.trim().toLowerCase();
  return ({ message: msg }) => {
    if (agent !== "" && msg.from !== agent && ("to" in msg ? msg.to !== agent : true)) return false;
    if (type !== "" && msg.type !== type) return false;
    if (priority !== "" && msg.priority < Number(priority)) return false;
    return (
      needle === "" || msg.content.toLowerCase().includes(needle) || msg.from.toLowerCase().includes(needle)
    );
  };
}

export function threadMessages(s: { readonly messages: readonly StoredMessage[] }, threadId: string) {
  return s.messages.filter((m) => m.message.threadId === threadId && m.message.type !== "heartbeat");
}

/**
 * A thread whole: what was read of it from the log (in log order), then what the page retains
 * of it and the log read did not have (newer live messages), each message once.
 */
export function wholeThread(
  messages: readonly StoredMessage[],
  log: ThreadLog | null,
  threadId: string,
): StoredMessage[] {
  const retained = threadMessages({ messages }, threadId);
  if (log === null || log.threadId !== threadId || log.items.length === 0) return retained;
  const ids = new Set(log.items.map((m) => m.message.id));
  return [...log.items, ...retained.filter((m) => !ids.has(m.message.id))];
}
