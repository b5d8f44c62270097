"use client";
/**
 * The registry: every agent with live status, its role (agent · process / server / tab),
 * description, capabilities, tools, model, its model use over the last hour (calls, tokens,
 * dollars when known: what its heartbeats say), last seen. Only agents are listed: persons and the CLI
 * have credentials that cannot announce presence. Made for a thousand agents: the list is virtualized (cards on screen only,
 * measured once by a ResizeObserver), it re-renders only when an agent comes, goes or changes
 * status (the store's `roster`), each card re-renders only on its own agent's news, and "last
 * seen" ticks by itself (./ago.tsx). Long descriptions and capability lists are cut for display;
 * the whole announcement is in the message list (#raw) and its inspector. Past the store's cap,
 * a line says how many agents are not listed.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useRef, useState } from "react";
import { dm } from "../lib/store/channels";
import { MAX_AGENTS } from "../lib/store/registry-book";
import { Ago } from "./ago";
import { usageLabel, usageText } from "./figures";
import { avatarColor, initials, MUTED, STATUS_DOT } from "./look";
import { NewAgentDialog } from "./new-agent-dialog";
import { Clipped, displayText, Name } from "./safe-text";
import { useActions, useDashboard, useSession } from "./store-context";

/**
 * Where an agent runs is part of its credential: its presence subject names its runtime, the
 * server lets it publish only on its own, and the tap drops an announcement whose body claims
 * another. So the badge shows a fact the server vouches for, not what the agent says of itself.
 */
const ROLE = {
  process: {
    label: "agent · process",
    title: "runs in a separate process",
    look: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  },
  server: {
    label: "agent · server",
    title: "runs on the server",
    look: "bg-indigo-50 text-indigo-800 dark:bg-indigo-950 dark:text-indigo-300",
  },
  browser: {
    label: "agent · tab",
    title: "runs in a browser tab",
    look: "bg-teal-50 text-teal-800 dark:bg-teal-950 dark:text-teal-300",
  },
} as const;
const SHOWN_CAPABILITIES = 12;
const SHOWN_TOOLS = 8;
const CARD_ESTIMATE = 116;

export function RegistryPanel() {
  const roster = useDashboard((s) => s.roster);
  const online = useDashboard((s) => s.onlineCount);
  const unlisted = useDashboard((s) => s.unlistedAgents);
  const session = useSession();
  const [dialog, setDialog] = useState(false);
  const [stopError, setStopError] = useState<string | null>(null);
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: roster.length,
    getScrollElement: () => parent.current,
    estimateSize: () => CARD_ESTIMATE,
    // Enough around the window that a registry of a few dozen agents is all in the page.
    overscan: 20,
    getItemKey: (i) => roster[i]!.agent.name,
    gap: 4,
    paddingStart: 8,
    paddingEnd: 8,
  });
  async function stop(name: string) {
    setStopError(null);
    try {
      await session.stopAgent(name);
    } catch (e) {
      setStopError(e instanceof Error ? e.message : String(e));
    }
  }
  return (
    <section data-testid="registry" className="flex min-h-0 flex-1 flex-col">
      <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <h2 className="text-sm font-semibold">Agents · {online} online</h2>
        <button
          type="button"
          data-testid="new-agent"
          onClick={() => setDialog(true)}
          className="rounded bg-sky-700 px-2 py-1 text-xs font-semibold text-white hover:bg-sky-800"
        >
          + New agent
        </button>
      </div>
      {dialog && <NewAgentDialog onClose={() => setDialog(false)} />}
      {stopError !== null && (
        <div className="px-4 py-1 text-xs text-red-700 dark:text-red-400">{displayText(stopError, 300)}</div>
      )}
      <div ref={parent} className="min-h-0 flex-1 overflow-y-auto px-2">
        <ul className="relative" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((v) => (
            <li
              key={v.key}
              data-index={v.index}
              ref={virtualizer.measureElement}
              className="absolute left-0 top-0 w-full"
              style={{ transform: `translateY(${v.start}px)` }}
            >
              <AgentCard name={roster[v.index]!.agent.name} onStop={stop} />
            </li>
          ))}
        </ul>
        {roster.length === 0 && (
          <p className={`p-2 text-xs ${MUTED}`}>Nobody has announced themselves yet.</p>
        )}
      </div>
      {unlisted > 0 && (
        <div
          data-testid="registry-unlisted"
          className={`border-t border-zinc-200 px-4 py-1.5 text-xs dark:border-zinc-800 ${MUTED}`}
        >
          {unlisted.toLocaleString()} more agents online, not listed (the page lists{" "}
          {MAX_AGENTS.toLocaleString()} at most)
        </div>
      )}
    </section>
  );
}

/** One agent's card; re-renders only when this agent's entry (or its stop button) changes. */
const AgentCard = memo(function AgentCard({
  name,
  onStop,
}: {
  name: string;
  onStop: (name: string) => void;
}) {
  const e = useDashboard((s) => s.registry.agents[name]);
  const owner = useDashboard((s) => s.owned[name]);
  const { openChannel } = useActions();
  if (e === undefined) return null;
  const a = e.agent;
  const offline = e.status === "offline";
  const moreCapabilities = a.capabilities.length - SHOWN_CAPABILITIES;
  const moreTools = a.tools.length - SHOWN_TOOLS;
  return (
    <div
      data-testid={`agent-${a.name}`}
      data-status={e.status}
      className={`rounded border border-zinc-200 p-2 text-xs dark:border-zinc-800 ${offline ? "border-dashed bg-zinc-50 dark:bg-zinc-900/60" : ""}`}
    >
      <div className="flex items-center gap-2">
        <div
          aria-hidden="true"
          className={`flex h-6 w-6 shrink-0 items-center justify-center rounded text-[10px] font-bold text-white ${offline ? "bg-zinc-600" : avatarColor(a.name)}`}
        >
          {initials(a.name)}
        </div>
        <button
          type="button"
          className="min-w-0 truncate text-sm font-semibold hover:underline"
          onClick={() => openChannel(dm(a.name))}
        >
          <Name text={a.name} />
        </button>
        <span
          data-testid="agent-role"
          data-runtime={a.runtime}
          title={ROLE[a.runtime].title}
          className={`shrink-0 whitespace-nowrap rounded px-1.5 text-[10px] ${ROLE[a.runtime].look}`}
        >
          {ROLE[a.runtime].label}
        </span>
        {owner !== undefined && !offline && (
          <button
            type="button"
            data-testid={`stop-${a.name}`}
            onClick={() => onStop(a.name)}
            title={`stop (started ${owner === "tab" ? "in this tab" : "on the server"})`}
            className="shrink-0 rounded border border-red-300 px-1.5 text-[10px] text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950"
          >
            stop
          </button>
        )}
        <span className={`ml-auto flex shrink-0 items-center gap-1 ${MUTED}`}>
          <span className={`h-2 w-2 rounded-full ${STATUS_DOT[e.status]}`} />
          {e.status}
        </span>
      </div>
      {a.description !== "" && (
        <p className="mt-1 break-words text-zinc-600 dark:text-zinc-400">
          <Clipped text={a.description} max={300} lines={3} />
        </p>
      )}
      <div className="mt-1 flex flex-wrap gap-1">
        {a.capabilities.slice(0, SHOWN_CAPABILITIES).map((c, i) => (
          <span
            key={`${i}:${c}`}
            className="max-w-full truncate rounded bg-sky-50 px-1.5 text-sky-800 dark:bg-sky-950 dark:text-sky-300"
          >
            <Name text={c} max={16} />
          </span>
        ))}
        {moreCapabilities > 0 && <span className={MUTED}>+{moreCapabilities} more</span>}
        {a.tools.slice(0, SHOWN_TOOLS).map((t, i) => (
          <span
            key={`${i}:${t.name}`}
            title={displayText(t.description, 300)}
            className="max-w-full truncate rounded bg-zinc-100 px-1.5 font-mono text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
          >
            <Name text={t.name} max={16} />
            ()
          </span>
        ))}
        {moreTools > 0 && <span className={MUTED}>+{moreTools} more tools</span>}
      </div>
      <div className={`mt-1 flex flex-wrap gap-x-3 ${MUTED}`}>
        {a.model !== undefined && (
          <span className="min-w-0 truncate">
            model <Name text={a.model} max={48} />
          </span>
        )}
        {a.usage !== undefined && (
          <span
            data-testid="agent-usage"
            className="whitespace-nowrap tabular-nums"
            title={usageLabel(a.usage)}
          >
            {usageText(a.usage)}
          </span>
        )}
        <span>
          {offline ? "offline since " : "seen "}
          <Ago at={offline ? (e.offlineAt ?? e.lastSeenAt) : e.lastSeenAt} />
          {offline && e.offlineReason === "missed-heartbeats" ? " (missed heartbeats)" : ""}
        </span>
      </div>
    </div>
  );
});
