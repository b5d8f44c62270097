"use client";
/**
 * The open thread as a waterfall (lib/store/timeline.ts): one bar per agent turn on the thread's
 * time axis, with who, when, how long, how it ended and what it cost (model calls, tokens, tools,
 * delegations, budget left, dollars), from the run report each answer carries. Turns still
 * running grow with the shared clock. Every figure is also in the bar's label, for screen readers
 * and as a tooltip; the report is the agent's word, shown bounded, as text.
 */
import { memo, useMemo } from "react";
import type { AgentMessage } from "../lib/protocol";
import { placement, threadTimeline, type ThreadStop, type Timeline, type Turn } from "../lib/store/timeline";
import { useNow } from "./ago";
import { duration, statusText, turnFigures, turnLabel } from "./figures";
import { MUTED } from "./look";
import { Name } from "./safe-text";

/** Bar fills: each status its own colour, a budget running out the loudest. */
const BAR: Record<Turn["status"], string> = {
  waiting: "bg-zinc-400 dark:bg-zinc-500",
  running: "bg-sky-500 animate-pulse",
  done: "bg-emerald-600 dark:bg-emerald-500",
  error: "bg-red-600 dark:bg-red-500",
  canceled: "bg-zinc-500 dark:bg-zinc-400",
  budget_exceeded: "bg-amber-500",
};

/** Status words: AA contrast on their backgrounds in both themes (the palette of ./look.ts). */
const BADGE: Record<Turn["status"], string> = {
  waiting: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  running: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  done: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  error: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  canceled: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  budget_exceeded: "bg-amber-200 font-semibold text-amber-950 dark:bg-amber-900 dark:text-amber-100",
};

/** Deeper turns step in a little, up to this many levels. */
const MAX_INDENT = 4;

export function ThreadTimeline({ messages, me }: { messages: readonly AgentMessage[]; me: string }) {
  // Whether anything runs is known from the messages alone; only then does the clock tick.
  const running = useMemo(() => threadTimeline(messages, me, 0).running, [messages, me]);
  const now = useNow(running);
  const tl = useMemo(() => threadTimeline(messages, me, now), [messages, me, now]);
  if (tl.turns.length === 0) return null;
  const span = tl.endMs - tl.startMs;
  return (
    <section
      data-testid="timeline"
      data-running={tl.running}
      aria-label="timeline of the thread's turns"
      className="max-h-[45%] shrink-0 overflow-y-auto border-b border-zinc-200 px-4 py-2 dark:border-zinc-800"
    >
      <div className="flex items-baseline justify-between gap-2 text-xs">
        <h3 className="font-semibold">
          Timeline · {tl.turns.length + tl.omitted} {tl.turns.length + tl.omitted === 1 ? "turn" : "turns"}
        </h3>
        <span className={`tabular-nums ${MUTED}`}>
          {duration(span)}
          {tl.running ? " so far" : ""}
        </span>
      </div>
      {tl.stops.length > 0 && <Stops stops={tl.stops} startMs={tl.startMs} />}
      <ol className="mt-1.5 space-y-2">
        {tl.turns.map((t) => (
          <TurnBar key={t.key} turn={t} timeline={tl} now={now} />
        ))}
      </ol>
      {tl.omitted > 0 && (
        <p className={`mt-1 text-[11px] ${MUTED}`}>
          {tl.omitted.toLocaleString()} more turns not drawn (the pane draws {tl.turns.length})
        </p>
      )}
    </section>
  );
}

function Stops({ stops, startMs }: { stops: readonly ThreadStop[]; startMs: number }) {
  return (
    <p data-testid="timeline-stop" className="mt-1 text-[11px] text-red-700 dark:text-red-400">
      {stops.slice(0, 3).map((s, i) => (
        <span key={s.id}>
          {i > 0 && " · "}■ stopped by <Name text={s.from} max={32} /> at +{duration(s.atMs - startMs)}
        </span>
      ))}
      {stops.length > 3 && ` · +${stops.length - 3} more`}
    </p>
  );
}

const TurnBar = memo(function TurnBar({
  turn: t,
  timeline,
  now,
}: {
  turn: Turn;
  timeline: Timeline;
  now: number;
}) {
  const place = placement(t, timeline, now);
  const since = t.startMs - timeline.startMs;
  const label = turnLabel(t, place.ms, since);
  const figures = turnFigures(t);
  const span = Math.max(1, timeline.endMs - timeline.startMs);
  const highlight = t.status === "budget_exceeded" ? "border-l-2 border-amber-500 pl-1.5" : "";
  return (
    <li
      data-testid="timeline-bar"
      data-agent={t.agent}
      data-status={t.status}
      data-ms={Math.round(place.ms)}
      data-model-calls={t.run?.modelCalls ?? ""}
      data-tokens={t.run === null ? "" : t.run.tokens.in + t.run.tokens.out}
      aria-label={label}
      title={label}
      className={`text-[11px] leading-snug ${highlight}`}
      style={{ marginLeft: `${Math.min(t.hops, MAX_INDENT) * 0.5}rem` }}
    >
      <div className="flex min-w-0 flex-wrap items-baseline gap-x-1.5">
        <Name text={t.agent} max={32} className="min-w-0 max-w-full truncate font-semibold" />
        <span className={`shrink-0 whitespace-nowrap rounded px-1 text-[10px] ${BADGE[t.status]}`}>
          {statusText(t)}
        </span>
        <span className={`ml-auto shrink-0 whitespace-nowrap tabular-nums ${MUTED}`}>
          +{duration(since)} ·{" "}
          <span className="font-semibold text-zinc-800 dark:text-zinc-200">{duration(place.ms)}</span>
        </span>
      </div>
      <div aria-hidden="true" className="relative mt-0.5 h-2 rounded-sm bg-zinc-100 dark:bg-zinc-800">
        <div
          className={`absolute inset-y-0 min-w-[3px] rounded-sm ${BAR[t.status]}`}
          style={{ left: `${place.left}%`, width: `${place.width}%` }}
        />
        {timeline.stops.map((s) => (
          <div
            key={s.id}
            className="absolute -inset-y-0.5 w-0.5 bg-red-600 dark:bg-red-400"
            style={{ left: `${Math.min(100, Math.max(0, ((s.atMs - timeline.startMs) / span) * 100))}%` }}
          />
        ))}
      </div>
      {figures.length > 0 && (
        <div data-testid="timeline-figures" className={`mt-0.5 break-words ${MUTED}`}>
          {figures.join(" · ")}
        </div>
      )}
    </li>
  );
});
