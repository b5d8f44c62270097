"use client";
/**
 * Search over history: what the log holds, not only what the page retains. The filter bar's
 * text, agent and type fill it in; thread and a time range narrow it further. The session reads
 * the log (newest first, bounded) and the store lists the matches; a result opens its thread.
 */
import { useState } from "react";
import { MAX_MATCHES, MAX_SCAN, type SearchQuery } from "../lib/dashboard";
import { LOG_KIND_OF_TYPE } from "../lib/protocol";
import type { SearchState } from "../lib/store/dashboard-store";
import { MUTED } from "./look";
import { MessageRow } from "./message-row";
import { PanelHeader } from "./panel-header";
import { useActions, useDashboard, useSession } from "./store-context";

const input =
  "w-full rounded border border-zinc-300 bg-white px-2 py-1 text-xs dark:border-zinc-700 dark:bg-zinc-900 focus:outline-none focus:ring-1 focus:ring-sky-500";
const LOGGED_TYPES = Object.keys(LOG_KIND_OF_TYPE);

export function SearchPanel() {
  const search = useDashboard((s) => s.search);
  const filters = useDashboard((s) => s.filters);
  const { openSearch } = useActions();
  const { history } = useSession();
  const [q, setQ] = useState({
    text: filters.text,
    from: filters.agent,
    type: LOGGED_TYPES.includes(filters.type) ? filters.type : "",
    threadId: "",
    since: "",
    until: "",
  });
  const running = search.status === "running";
  const submit = () => {
    const query: SearchQuery = {
      text: q.text,
      from: q.from.trim(),
      type: q.type,
      threadId: q.threadId.trim(),
      since: time(q.since),
      until: time(q.until),
    };
    void history.search(query);
  };
  const field = (key: keyof typeof q, label: string, type = "text") => (
    <label className="block">
      <span className={`text-[11px] ${MUTED}`}>{label}</span>
      <input
        data-testid={`search-${key}`}
        type={type}
        className={input}
        value={q[key]}
        onChange={(e) => setQ({ ...q, [key]: e.target.value })}
      />
    </label>
  );
  return (
    <section data-testid="search-panel" className="flex min-h-0 flex-1 flex-col">
      <PanelHeader title="Search history" onClose={() => openSearch(false)} />
      <form
        className="grid grid-cols-2 gap-2 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="col-span-2">{field("text", "text")}</div>
        {field("from", "sender")}
        <label className="block">
          <span className={`text-[11px] ${MUTED}`}>type</span>
          <select
            data-testid="search-type"
            className={input}
            value={q.type}
            onChange={(e) => setQ({ ...q, type: e.target.value })}
          >
            <option value="">any type</option>
            {LOGGED_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <div className="col-span-2">{field("threadId", "thread id")}</div>
        {field("since", "from (time)", "datetime-local")}
        {field("until", "to (time)", "datetime-local")}
        <div className="col-span-2 flex gap-2">
          <button
            type="submit"
            data-testid="search-run"
            className="rounded bg-sky-700 px-3 py-1 text-xs font-semibold text-white hover:bg-sky-800"
          >
            Search the log
          </button>
          {running && (
            <button
              type="button"
              data-testid="search-stop"
              className="rounded border border-zinc-300 px-3 py-1 text-xs dark:border-zinc-700"
              onClick={() => history.cancelSearch()}
            >
              Stop
            </button>
          )}
        </div>
      </form>
      <Summary search={search} />
      <div className="min-h-0 flex-1 overflow-y-auto py-1">
        {search.results.map((m) => (
          <div key={m.seq} data-testid="search-result" data-type={m.message.type}>
            <MessageRow stored={m} compact />
          </div>
        ))}
      </div>
    </section>
  );
}

function Summary({ search }: { search: SearchState }) {
  if (search.status === "idle") return null;
  const n = search.results.length;
  const text =
    search.status === "error"
      ? `Could not search: ${search.detail}`
      : search.status === "canceled"
        ? `Stopped: ${n} matches in ${search.scanned.toLocaleString()} messages searched`
        : `${n}${search.more ? "+" : ""} ${n === 1 ? "match" : "matches"} in ${search.scanned.toLocaleString()} messages searched${search.status === "running" ? "…" : ""}`;
  return (
    <div data-testid="search-summary" data-status={search.status} className={`px-4 py-1.5 text-xs ${MUTED}`}>
      {text}
      {search.detail !== "" && search.status === "done" && <div>{search.detail}</div>}
      {search.stoppedEarly && (
        <div>
          Stopped after {MAX_SCAN.toLocaleString()} messages: older ones were not read (narrow the time).
        </div>
      )}
      {search.more && <div>Only the newest {MAX_MATCHES} matches are listed.</div>}
    </div>
  );
}

/** A datetime-local value as ms, or null when empty or not a time. */
function time(v: string): number | null {
  if (v === "") return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}
