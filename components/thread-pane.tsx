"use client";
/**
 * A thread end to end (requests, acks, handoffs with their context, growing partial answers,
 * errors, cancels and stops), whole however old: opening it asks the session to read it from the
 * log, and what the page retains completes it. Above the messages, its timeline: one bar per
 * agent turn with what it cost (./thread-timeline.tsx); "Stop thread" stops every agent's work in
 * it (./stop-thread.tsx). A dry replay plays the thread's logged messages again in the pane, at
 * their pace (1x, 4x or at once): it only reads the log, nothing is sent.
 */
import { useEffect, useMemo, useState, type ReactNode } from "react";
import type { ReplaySpeed } from "../lib/dashboard";
import { REPLAY_SPEEDS, wholeThread, type ReplayState } from "../lib/store/dashboard-store";
import { MUTED } from "./look";
import { MessageRow } from "./message-row";
import { PanelHeader } from "./panel-header";
import { useStopThread } from "./stop-thread";
import { useActions, useDashboard, useSession } from "./store-context";
import { ThreadTimeline } from "./thread-timeline";

const button =
  "whitespace-nowrap rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";

export function ThreadPane({ threadId }: { threadId: string }) {
  const messages = useDashboard((s) => s.messages);
  const log = useDashboard((s) => s.threadLog);
  const replay = useDashboard((s) => (s.replay?.threadId === threadId ? s.replay : null));
  const { openThread } = useActions();
  const { history } = useSession();
  useEffect(() => {
    void history.openThread(threadId);
    return () => history.closeReplay();
  }, [history, threadId]);
  const me = useDashboard((s) => s.me);
  const items = useMemo(() => wholeThread(messages, log, threadId), [messages, log, threadId]);
  const wire = useMemo(() => items.map((i) => i.message), [items]);
  const agents = [...new Set(items.map((i) => i.message.from))];
  const reading = log?.threadId === threadId ? log : null;
  const stop = useStopThread(threadId);
  return (
    <section data-testid="thread-pane" className="flex min-h-0 flex-1 flex-col">
      <PanelHeader title={`Thread · ${agents.join(", ")}`} onClose={() => openThread(null)} />
      <ReplayBar threadId={threadId} replay={replay} stop={stop.button} />
      {stop.panel}
      {reading !== null && reading.status !== "done" && (
        <div data-testid="thread-log-status" className={`px-4 pt-2 text-xs ${MUTED}`}>
          {reading.status === "loading" ? "Reading the whole thread from the log…" : reading.detail}
        </div>
      )}
      {reading?.truncated === true && (
        <div className={`px-4 pt-2 text-xs ${MUTED}`}>
          Read {reading.scanned} log messages; the thread may go on past them.
        </div>
      )}
      {replay === null && <ThreadTimeline messages={wire} me={me} />}
      <div className="min-h-0 flex-1 overflow-y-auto py-2">
        {replay !== null ? (
          <ReplayView replay={replay} />
        ) : (
          <>
            {items.length === 0 && reading?.status !== "loading" && (
              <div className={`px-4 text-sm ${MUTED}`}>This thread is no longer retained.</div>
            )}
            {items.map((i) => (
              <div key={i.seq} data-testid="thread-item" data-type={i.message.type}>
                <MessageRow stored={i} compact />
              </div>
            ))}
          </>
        )}
      </div>
    </section>
  );
}

/** The pane's toolbar: dry replay on the left, `stop` (the Stop-thread button) on the right. */
function ReplayBar({
  threadId,
  replay,
  stop,
}: {
  threadId: string;
  replay: ReplayState | null;
  stop: ReactNode;
}) {
  const { history } = useSession();
  const [speed, setSpeed] = useState<ReplaySpeed>("4x");
  const running = replay !== null && (replay.status === "playing" || replay.status === "loading");
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-4 py-1.5 text-xs dark:border-zinc-800">
      {running ? (
        <button
          type="button"
          data-testid="replay-stop"
          className={button}
          onClick={() => history.stopReplay()}
        >
          ■ Stop replay
        </button>
      ) : (
        <button
          type="button"
          data-testid="replay-start"
          className={button}
          onClick={() => void history.replay(threadId, speed)}
        >
          ▶ Dry replay
        </button>
      )}
      <select
        data-testid="replay-speed"
        aria-label="replay speed"
        value={speed}
        onChange={(e) => setSpeed(e.target.value as ReplaySpeed)}
        className="rounded border border-zinc-300 bg-white px-1 py-0.5 dark:border-zinc-700 dark:bg-zinc-900"
      >
        {REPLAY_SPEEDS.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      {replay !== null && !running && (
        <button
          type="button"
          data-testid="replay-close"
          className={button}
          onClick={() => history.closeReplay()}
        >
          Back to thread
        </button>
      )}
      {stop}
    </div>
  );
}

function ReplayView({ replay }: { replay: ReplayState }) {
  const shown = replay.items.slice(0, replay.shown);
  const words = {
    loading: "reading the thread from the log…",
    playing: `playing ${replay.speed}`,
    done: "done",
    stopped: "stopped",
    error: replay.detail,
  };
  return (
    <>
      <div
        data-testid="replay-status"
        data-status={replay.status}
        data-shown={replay.shown}
        className="mx-4 mb-2 rounded bg-sky-50 px-2 py-1 text-xs text-sky-900 dark:bg-sky-950/50 dark:text-sky-200"
      >
        Replay from the log · {replay.shown}/{replay.items.length} · {words[replay.status]} · nothing is sent
      </div>
      {shown.map((i) => (
        <div key={i.seq} data-testid="replay-item" data-type={i.message.type}>
          <MessageRow stored={i} compact replayed />
        </div>
      ))}
    </>
  );
}
