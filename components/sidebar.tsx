"use client";
/**
 * Channels, direct-message channels per agent (with live status dots) and unread counts. The
 * direct-message list is virtualized (fixed 28 px rows: no measuring at all) and re-renders only
 * when an agent comes, goes or changes status (the store's `roster`); each entry re-renders only
 * for its own unread count or selection.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useMemo, useRef } from "react";
import { FIXED_CHANNELS, dm, type ChannelKey } from "../lib/store/channels";
import { ConnectionBadge } from "./connection-badge";
import { STATUS_DOT } from "./look";
import { displayText } from "./safe-text";
import { useActions, useDashboard } from "./store-context";

const ROW = 28;

function Unread({ k }: { k: ChannelKey }) {
  const n = useDashboard((s) => s.unread[k] ?? 0);
  if (n === 0) return null;
  return (
    <span
      data-testid={`unread-${k.replace(":", "-")}`}
      className="ml-auto rounded-full bg-rose-700 px-1.5 text-[10px] font-semibold leading-4 text-white"
    >
      {n > 999 ? "999+" : n}
    </span>
  );
}

const Item = memo(function Item({
  k,
  label,
  dot,
  hint,
}: {
  k: ChannelKey;
  label: string;
  dot?: string;
  hint?: string;
}) {
  const active = useDashboard((s) => s.channel === k);
  const { openChannel } = useActions();
  return (
    <button
      type="button"
      data-testid={`channel-${k.replace(":", "-")}`}
      title={hint}
      aria-current={active ? "page" : undefined}
      onClick={() => openChannel(k)}
      className={`flex h-7 w-full items-center gap-2 rounded px-2 text-left text-sm ${
        active ? "bg-sky-700 text-white" : "text-zinc-300 hover:bg-zinc-800"
      }`}
    >
      {dot === undefined ? (
        <span aria-hidden="true" className="w-3 text-zinc-400">
          #
        </span>
      ) : (
        <span className={`h-2 w-2 shrink-0 rounded-full ${dot}`} />
      )}
      <span className="truncate">{label}</span>
      <Unread k={k} />
    </button>
  );
});

function DirectMessages() {
  const roster = useDashboard((s) => s.roster);
  const me = useDashboard((s) => s.me);
  // One-off clients (CLI calls, people at the dashboard) are client links and never listed, so
  // every entry here is an agent that was a member of the mesh; offline ones sort last.
  const agents = useMemo(() => roster.filter((e) => e.agent.name !== me), [roster, me]);
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: agents.length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW,
    // Enough around the window that a few dozen agents are all in the page.
    overscan: 20,
    getItemKey: (i) => agents[i]!.agent.name,
  });
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div className="px-2 pb-1 text-xs font-semibold uppercase tracking-wide text-zinc-400">
        Direct messages
      </div>
      {agents.length === 0 && <div className="px-2 text-xs text-zinc-400">no agents yet</div>}
      <div ref={parent} className="min-h-0 flex-1 overflow-y-auto">
        <div className="relative" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((v) => {
            const e = agents[v.index]!;
            return (
              <div
                key={v.key}
                className="absolute left-0 top-0 w-full"
                style={{ transform: `translateY(${v.start}px)` }}
              >
                <Item
                  k={dm(e.agent.name)}
                  label={e.agent.name}
                  dot={STATUS_DOT[e.status]}
                  hint={displayText(e.agent.description, 300)}
                />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

export function Sidebar() {
  const me = useDashboard((s) => s.me);
  const rejected = useDashboard((s) => Object.values(s.rejected).reduce((a, b) => a + (b ?? 0), 0));
  return (
    <nav
      aria-label="channels"
      className="flex h-full w-60 shrink-0 flex-col gap-4 bg-zinc-900 p-3 text-zinc-100"
    >
      <div>
        <div className="text-base font-semibold tracking-tight">Switchboard</div>
        <ConnectionBadge />
      </div>
      <div className="space-y-0.5">
        <div className="px-2 pb-1 text-xs font-semibold uppercase tracking-wide text-zinc-400">Channels</div>
        {/* Heartbeats appear in no other channel: they are seen only by opening #heartbeats. */}
        {FIXED_CHANNELS.map((c) => (
          <Item key={c.key} k={c.key} label={c.label} hint={c.hint} />
        ))}
      </div>
      <DirectMessages />
      <div className="space-y-1 text-xs text-zinc-400">
        <div>
          you are <span className="font-mono text-zinc-300">{me}</span>
        </div>
        {rejected > 0 && <div data-testid="rejected-count">{rejected} malformed messages dropped</div>}
      </div>
    </nav>
  );
}
