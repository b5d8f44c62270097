"use client";
/** Filters for the channel on screen: agent, type, minimum priority and text. */
import { useMemo } from "react";
import { MESSAGE_TYPES } from "../lib/protocol";
import { channelLabel } from "../lib/store/channels";
import { useActions, useDashboard } from "./store-context";

const input =
  "rounded border border-zinc-300 bg-white px-2 py-1 text-xs dark:border-zinc-700 dark:bg-zinc-900 focus:outline-none focus:ring-1 focus:ring-sky-500";

export function FilterBar({ right }: { right?: React.ReactNode }) {
  const channel = useDashboard((s) => s.channel);
  const f = useDashboard((s) => s.filters);
  const roster = useDashboard((s) => s.roster); // changes only when agents come or go, not per heartbeat
  const names = useMemo(() => roster.map((e) => e.agent.name).sort(), [roster]);
  const { setFilters, openSearch } = useActions();
  const active = f.agent !== "" || f.type !== "" || f.priority !== "" || f.text !== "";
  return (
    <header
      aria-label="channel and filters"
      className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800"
    >
      <h1 data-testid="channel-title" className="mr-2 text-base font-semibold">
        {channelLabel(channel)}
      </h1>
      <input
        data-testid="filter-text"
        type="search"
        aria-label="search messages"
        className={`${input} w-32`}
        placeholder="Search…"
        value={f.text}
        onChange={(e) => setFilters({ text: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === "Enter") openSearch(true); // the page's filter; Enter searches the log too
        }}
      />
      <select
        data-testid="filter-agent"
        aria-label="filter by agent"
        className={input}
        value={f.agent}
        onChange={(e) => setFilters({ agent: e.target.value })}
      >
        <option value="">any agent</option>
        {names.map((n) => (
          <option key={n}>{n}</option>
        ))}
      </select>
      <select
        data-testid="filter-type"
        aria-label="filter by type"
        className={input}
        value={f.type}
        onChange={(e) => setFilters({ type: e.target.value })}
      >
        <option value="">any type</option>
        {MESSAGE_TYPES.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <select
        data-testid="filter-priority"
        aria-label="filter by minimum priority"
        className={input}
        value={f.priority}
        onChange={(e) => setFilters({ priority: e.target.value })}
      >
        <option value="">any priority</option>
        {[2, 3, 4, 5].map((p) => (
          <option key={p} value={String(p)}>
            P{p} and up
          </option>
        ))}
      </select>
      {active && (
        <button
          type="button"
          className="text-xs text-sky-800 hover:underline dark:text-sky-300"
          onClick={() => setFilters({ agent: "", type: "", priority: "", text: "" })}
        >
          clear
        </button>
      )}
      <button
        type="button"
        data-testid="open-search"
        title="search everything the log holds, not only what this page has"
        className="rounded border border-zinc-300 px-2 py-1 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
        onClick={() => openSearch(true)}
      >
        Search log
      </button>
      <div className="ml-auto flex items-center gap-2">{right}</div>
    </header>
  );
}
