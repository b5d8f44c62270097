"use client";
/**
 * One message, Slack-style: avatar, sender, type badge, priority, time, safe markdown, actions.
 * Everything in it came over the bus: names and codes are shown through `Name` (isolated,
 * invisible characters revealed, cut), free text through `Clipped` or `Markdown` (bounded), and
 * each row sits in its own error boundary, so a row that still fails is one line, not the page.
 */
import { memo, useCallback } from "react";
import type { PersonCommands } from "../lib/dashboard";
import type { AgentMessage } from "../lib/protocol";
import type { StoredMessage, TaskState } from "../lib/store/dashboard-store";
import { ErrorBoundary } from "./error-boundary";
import { avatarColor, badgeClass, clock, initials, MUTED } from "./look";
import { Markdown } from "./markdown";
import { Clipped, displayName, Name } from "./safe-text";
import { useActions, useDashboard, useSession } from "./store-context";

const TASK_TYPES = new Set(["direct", "request", "handoff"]);

export const MessageRow = memo(function MessageRow({
  stored,
  compact = false,
  replayed = false,
}: {
  stored: StoredMessage;
  compact?: boolean;
  /** Shown again from the log (dry replay): no live task state, nothing to cancel. */
  replayed?: boolean;
}) {
  return (
    <ErrorBoundary what="message" resetKey={stored} attributes={rowAttributes(stored.message)}>
      <Row stored={stored} compact={compact} replayed={replayed} />
    </ErrorBoundary>
  );
});

function Row({ stored, compact, replayed }: { stored: StoredMessage; compact: boolean; replayed: boolean }) {
  const m = stored.message;
  const live = TASK_TYPES.has(m.type) && !replayed;
  const task = useDashboard((s) => (live ? s.tasks[m.id] : undefined));
  // A task to an agent that is not online waits in its queue in the log (delivery that waits).
  const target = live && "to" in m ? m.to : undefined;
  const away = useDashboard(
    (s) =>
      target !== undefined &&
      !(Object.hasOwn(s.registry.agents, target) && s.registry.agents[target]!.status !== "offline"),
  );
  const me = useDashboard((s) => s.me);
  const { openThread, inspect, draft, findById } = useActions();
  const replied = "inReplyTo" in m && m.inReplyTo !== undefined ? findById(m.inReplyTo) : undefined;
  const { commands } = useSession();
  const onInspect = useCallback(() => inspect(stored.seq), [inspect, stored.seq]);
  if (
    m.type === "presence" ||
    m.type === "ack" ||
    m.type === "discover" ||
    m.type === "heartbeat" ||
    m.type === "cancel" ||
    m.type === "stop"
  ) {
    return <EventLine stored={stored} inThread={compact} />;
  }
  const running = live && task?.final === undefined && task?.canceledBy === undefined;
  const to = "to" in m ? m.to : undefined;
  const body = shownContent(m);
  return (
    // Focusable, so the keyboard reaches the actions: focusing the row shows them, Tab goes in.
    <div
      {...rowAttributes(m)}
      role="article"
      tabIndex={0}
      className="group relative flex gap-3 px-4 py-1.5 outline-none hover:bg-zinc-50 focus-visible:bg-zinc-50 focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-sky-600 dark:hover:bg-zinc-900/60 dark:focus-visible:bg-zinc-900/60"
    >
      <div
        aria-hidden="true"
        className={`mt-0.5 flex h-8 w-8 shrink-0 items-center justify-center rounded text-xs font-bold text-white ${avatarColor(m.from)}`}
      >
        {initials(m.from)}
      </div>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-baseline gap-x-2 text-sm">
          <Name text={m.from} max={48} className="font-semibold" />
          {to !== undefined && (
            <span className={`text-xs ${MUTED}`}>
              → <Name text={to} max={48} />
            </span>
          )}
          <span
            className={`rounded px-1.5 text-[10px] font-semibold uppercase tracking-wide ${badgeClass(m.type)}`}
          >
            {m.type}
          </span>
          {m.priority !== 3 && (
            <span
              className={`text-[10px] font-semibold ${m.priority >= 4 ? "text-rose-700 dark:text-rose-400" : MUTED}`}
            >
              P{m.priority}
            </span>
          )}
          {m.hops > 0 && <span className={`text-[10px] ${MUTED}`}>hop {m.hops}</span>}
          <span className={`text-xs ${MUTED}`} title={m.timestamp}>
            {clock(Date.parse(m.timestamp))}
          </span>
          {replied !== undefined && (
            <button
              type="button"
              onClick={() => inspect(replied.seq)}
              className="min-w-0 max-w-full truncate text-xs text-sky-800 hover:underline dark:text-sky-300"
            >
              ↪ re <Name text={replied.message.from} max={48} />:{" "}
              <bdi>{displayName(replied.message.content, 40)}</bdi>
            </button>
          )}
        </div>
        {m.type === "handoff" && <HandoffContext m={m} />}
        {m.type === "response" && m.status !== "ok" && <StatusLine m={m} />}
        {body !== "" && <Markdown text={body} compact={compact} onInspect={onInspect} />}
        {live && <TaskLine task={task} away={away ? target : undefined} />}
      </div>
      <div className="absolute right-3 top-1 hidden gap-1 rounded border border-zinc-200 bg-white p-0.5 text-xs shadow-sm group-hover:flex group-focus-within:flex dark:border-zinc-700 dark:bg-zinc-900">
        <Action id="thread" label="Thread" onClick={() => openThread(m.threadId)} />
        <Action id="inspect" label="Inspect" onClick={onInspect} />
        {m.from !== me && (
          <Action
            id="reply"
            label="Reply"
            onClick={() => draft({ kind: "direct", target: m.from, text: "", threadId: m.threadId })}
          />
        )}
        <Action
          id="handoff"
          label="Hand off"
          onClick={() =>
            draft({ kind: "handoff", target: "", text: "", task: m.content, threadId: m.threadId })
          }
        />
        {running && to !== undefined && (
          <Action id="cancel" label="Cancel" danger onClick={() => cancel(commands, to, m.id, m.threadId)} />
        )}
      </div>
    </div>
  );
}

/** Asks the agent to stop; before the page is connected there is nothing to cancel with. */
function cancel(commands: PersonCommands, agent: string, taskId: string, threadId: string): void {
  try {
    commands.cancel(agent, taskId, undefined, threadId);
  } catch (e) {
    console.warn(`[dashboard] could not cancel ${taskId}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** What tests and tools find a message row by. */
function rowAttributes(m: AgentMessage) {
  return { "data-testid": "message", "data-id": m.id, "data-type": m.type, "data-from": m.from };
}

/** A handoff's default text only repeats its context, shown above; show it when it adds something. */
function shownContent(m: AgentMessage): string {
  if (m.type !== "handoff") return m.content;
  const h = m.handoff;
  const repeats = m.content === h.task || m.content === `${h.reason}\n\n${h.task}`;
  return repeats ? "" : m.content;
}

function Action({
  id,
  label,
  onClick,
  danger = false,
}: {
  id: string;
  label: string;
  onClick: () => void;
  danger?: boolean;
}) {
  return (
    <button
      type="button"
      data-testid={`action-${id}`}
      onClick={onClick}
      className={`rounded px-1.5 py-0.5 hover:bg-zinc-100 dark:hover:bg-zinc-800 ${danger ? "text-red-700 dark:text-red-400" : ""}`}
    >
      {label}
    </button>
  );
}

/** Each field of a handoff's context is free text: bounded here, all of it in the inspector. */
function HandoffContext({ m }: { m: Extract<AgentMessage, { type: "handoff" }> }) {
  const h = m.handoff;
  return (
    <dl
      data-testid="handoff-context"
      className="my-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-2 rounded border-l-4 border-amber-400 bg-amber-50 px-2 py-1 text-xs dark:bg-amber-950/40"
    >
      <dt className="font-semibold">task</dt>
      <dd>
        <Clipped text={h.task} max={1_000} lines={6} />
      </dd>
      {h.progress !== "" && (
        <>
          <dt className="font-semibold">done so far</dt>
          <dd>
            <Clipped text={h.progress} max={1_000} lines={6} />
          </dd>
        </>
      )}
      {h.reason !== "" && (
        <>
          <dt className="font-semibold">why</dt>
          <dd>
            <Clipped text={h.reason} max={1_000} lines={6} />
          </dd>
        </>
      )}
    </dl>
  );
}

/** An error's code and message are the sender's words: bounded and revealed like any text. */
function StatusLine({ m }: { m: Extract<AgentMessage, { type: "response" }> }) {
  const canceled = m.status === "canceled";
  const budget = m.error?.code === "budget_exceeded";
  const look = canceled
    ? MUTED
    : budget
      ? "text-amber-800 dark:text-amber-300"
      : "text-red-700 dark:text-red-400";
  return (
    <div data-testid="response-status" data-status={m.status} className={`text-xs ${look}`}>
      <span className="font-semibold">
        {canceled ? "⊘ canceled" : budget ? "⚠ budget exceeded" : "⚠ error"}
        {m.error !== undefined && !budget && m.error.code !== m.status && (
          <>
            {" ("}
            <Name text={m.error.code} max={64} />)
          </>
        )}
      </span>
      {/* The runtime often says the same in both: the text is shown below, once. */}
      {m.error !== undefined && m.error.message !== "" && m.error.message !== m.content && (
        <div data-testid="error-message">
          <Clipped text={m.error.message} max={500} lines={3} />
        </div>
      )}
    </div>
  );
}

/**
 * Where a task stands: queued (its agent is away: it waits in the log), sent, delivered (acked),
 * the answer streaming in, answered, an error (`expired` when it waited too long; a budget that
 * ran out, highlighted), canceled (by a cancel or a stop of the thread).
 */
function TaskLine({ task, away }: { task: TaskState | undefined; away: string | undefined }) {
  if ((task === undefined || (!task.acked && task.final === undefined)) && away !== undefined)
    return (
      <div data-testid="task-queued" className="text-[11px] text-amber-700 dark:text-amber-400">
        ⏳ queued: <Name text={away} /> is away; it gets this when it is back
      </div>
    );
  if (task === undefined) return <div className={`text-[11px] ${MUTED}`}>sent</div>;
  if (task.canceledBy !== undefined && task.final === undefined)
    return (
      <div className={`text-[11px] ${MUTED}`}>
        ⊘ cancel asked by <Name text={task.canceledBy} />
      </div>
    );
  if (task.final !== undefined) {
    const f = task.final;
    const code = f.error?.code;
    const look =
      f.status === "ok"
        ? "text-emerald-700 dark:text-emerald-400"
        : f.status === "canceled"
          ? MUTED
          : code === "budget_exceeded"
            ? "font-semibold text-amber-800 dark:text-amber-300"
            : "text-red-700 dark:text-red-400";
    return (
      <div
        data-testid="task-state"
        data-state={f.status}
        data-code={code ?? ""}
        className={`text-[11px] ${look}`}
      >
        {f.status === "ok" ? (
          <>
            ✓ answered by <Name text={f.from} />
          </>
        ) : f.status === "canceled" ? (
          <>
            ⊘ canceled by <Name text={f.from} />
          </>
        ) : code === "budget_exceeded" ? (
          <>
            ⚠ budget exceeded at <Name text={f.from} />
          </>
        ) : (
          <>
            ⚠ {f.status} (<Name text={code ?? ""} />)
          </>
        )}
      </div>
    );
  }
  if (task.partial !== "") {
    return (
      <div
        data-testid="thread-stream"
        className="mt-1 rounded bg-zinc-50 px-2 py-1 text-xs text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400"
      >
        <span className="animate-pulse">✍</span>{" "}
        <Clipped text={tail(task.partial, 600)} max={601} lines={6} />
      </div>
    );
  }
  return (
    <div className="text-[11px] text-amber-700 dark:text-amber-400">
      {task.acked ? "delivered · working…" : "sent"}
    </div>
  );
}

/** The last `n` characters, not starting in the middle of a surrogate pair. */
function tail(s: string, n: number): string {
  if (s.length <= n) return s;
  const start = s.length - n;
  const c = s.charCodeAt(start);
  return s.slice(c >= 0xdc00 && c <= 0xdfff ? start + 1 : start);
}

/**
 * One line for what is not a conversation: presence, acks, discovery, heartbeats, cancels, and a
 * person stopping a thread (in red: work was stopped). A click inspects it; a stop listed outside
 * its thread opens the thread instead.
 */
function EventLine({ stored, inThread }: { stored: StoredMessage; inThread: boolean }) {
  const m = stored.message;
  const { inspect, openThread } = useActions();
  const who = displayName(m.from);
  const reason = m.content === "" ? "" : `: ${displayName(m.content, 200)}`;
  let text: string;
  switch (m.type) {
    case "presence":
      text = `${who} is ${m.agent.status} (${m.agent.runtime})`;
      break;
    case "ack":
      text = `${who} acknowledged and is working`;
      break;
    case "cancel":
      text = `${who} asked ${displayName(m.to)} to cancel${reason}`;
      break;
    case "stop":
      text = `${who} stopped ${inThread ? "this thread" : `thread …${m.threadId.slice(-6)}`}${reason}`;
      break;
    case "heartbeat":
      text = `${who} ♥ ${m.agent.status}`;
      break;
    default:
      text = `${who} asked who is online`;
  }
  const opensThread = m.type === "stop" && !inThread;
  const open = () => (opensThread ? openThread(m.threadId) : inspect(stored.seq));
  return (
    <div
      {...rowAttributes(m)}
      role="button"
      tabIndex={0}
      aria-label={`${text}: ${opensThread ? "open the thread" : "inspect"}`}
      onClick={open}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          open();
        }
      }}
      className={`cursor-pointer px-4 py-0.5 pl-[3.75rem] text-xs hover:bg-zinc-50 dark:hover:bg-zinc-900/60 ${m.type === "stop" ? "font-semibold text-red-700 dark:text-red-400" : MUTED}`}
    >
      <span className="mr-2 font-mono">{clock(stored.storedAt ?? stored.receivedAt)}</span>
      <bdi>{text}</bdi>
    </div>
  );
}
