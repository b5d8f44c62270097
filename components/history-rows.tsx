"use client";
/**
 * The rows history adds to a channel: the edge on top (load older, loading, the beginning of
 * history, or why there is no more), and the marker where the connection was lost and resumed.
 * Reading goes through the session; the state comes from the store.
 */
import { useCallback } from "react";
import type { GapMarker } from "../lib/store/dashboard-store";
import { clock, MUTED } from "./look";
import { useDashboard, useSession, useStoreApi } from "./store-context";

/** Asks for the page before the oldest held, unless one is on its way or there is none. */
export function useLoadOlder(): (explicit: boolean) => void {
  const store = useStoreApi();
  const session = useSession();
  return useCallback(
    (explicit: boolean) => {
      const h = store.getState().history;
      if (h.atStart || h.full || h.status === "unavailable" || h.status === "waiting") return;
      if (h.status === "loading" || (h.status === "error" && !explicit)) return;
      void session.history.loadOlder();
    },
    [store, session],
  );
}

export function HistoryEdge() {
  const h = useDashboard((s) => s.history);
  const loadOlder = useLoadOlder();
  const line = `flex h-9 items-center justify-center gap-2 text-xs ${MUTED}`;
  if (h.status === "unavailable")
    return (
      <div data-testid="history-edge" data-state="unavailable" className={line} title={h.detail}>
        No history on this server: the page shows traffic from the moment it opened.
      </div>
    );
  if (h.status === "loading" || h.status === "waiting")
    return (
      <div data-testid="history-edge" data-state="loading" className={line}>
        Reading history…
      </div>
    );
  if (h.atStart)
    return (
      <div data-testid="history-edge" data-state="start" className={line}>
        <span aria-hidden="true">──</span> Beginning of history <span aria-hidden="true">──</span>
      </div>
    );
  if (h.full)
    return (
      <div data-testid="history-edge" data-state="full" className={line}>
        The page holds as many messages as it may; search finds older ones.
      </div>
    );
  return (
    <div data-testid="history-edge" data-state={h.status === "error" ? "error" : "more"} className={line}>
      {h.status === "error" && <span title={h.detail}>Could not read history.</span>}
      <button
        type="button"
        data-testid="load-older"
        onClick={() => loadOlder(true)}
        className="rounded border border-zinc-300 px-2 py-0.5 text-sky-800 hover:bg-zinc-100 dark:border-zinc-700 dark:text-sky-300 dark:hover:bg-zinc-800"
      >
        {h.status === "error" ? "Try again" : "Load older messages"}
      </button>
    </div>
  );
}

export function GapRow({ marker }: { marker: GapMarker }) {
  const channel = useDashboard((s) => s.channel);
  const n = marker.recovered[channel] ?? 0;
  return (
    <div
      data-testid="resume-marker"
      data-recovered={n}
      role="note"
      className="mx-4 my-1 flex h-7 items-center gap-2 rounded border border-amber-300 bg-amber-50 px-3 text-xs text-amber-900 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-200"
    >
      <span aria-hidden="true">⚡</span>
      <span>
        Connection lost at {clock(marker.lostAt)} · resumed at {clock(marker.resumedAt)}, {n}{" "}
        {n === 1 ? "message" : "messages"} recovered
        {marker.skipped > 0 ? ` (${marker.skipped} more in the gap: search finds them)` : ""}
      </span>
    </div>
  );
}
