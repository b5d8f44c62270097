"use client";
/** One message, Slack-style: avatar, sender, type badge, priority, time, safe markdown, actions. */
import { memo } from "react";
import type { PersonCommands } from "../lib/dashboard";
import type { AgentMessage } from "../lib/protocol";
import type { StoredMessage, TaskState } from "../lib/store/dashboard-store";
import { avatarColor, badgeClass, clock, initials } from "./look";
import { Markdown } from "./markdown";
import { useActions, useDashboard, useSession } from "./store-context";

const TASK_TYPES = new Set(["direct", "request", "handoff"]);

export const MessageRow = memo(function MessageRow({
  stored,
  compact = false,
}: {
  stored: StoredMessage;
  compact?: boolean;
}) {
  const m = stored.message;
  const task = useDashboard((s) => (TASK_TYPES.has(m.type) ? s.tasks[m.id] : undefined));
  const me = useDashboard((s) => s.me);
  const { openThread, inspect, draft, findById } = useActions();
  const replied = "inReplyTo" in m && m.inReplyTo !== undefined ? findById(m.inReplyTo) : undefined;
  const { commands } = useSession();
  if (
    m.type === "presence" ||
    m.type === "ack" ||
    m.type === "discover" ||
    m.type === "heartbeat" ||
    m.type === "cancel"
  ) {
    return <EventLine stored={stored} />;
  }
  const running = TASK_TYPES.has(m.type) && task?.final === undefined && task?.canceledBy === undefined;
  const to = "to" in m ? m.to : undefined;
  const body = shownContent(m);
  return (
    <div
      {...rowAttributes(m)}
      className="group relative flex gap-3 px-4 py-1.5 hover:bg-zinc-50 dark:hover:bg-zinc-900/60"
    >
      <div
        className={`mt-0.5 flex h-8 w-8 shrink-0 items-center justify-center rounded text-xs font-bold text-white ${avatarColor(m.from)}`}
      >
        {initials(m.from)}
      </div>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-baseline gap-x-2 text-sm">
          <span className="font-semibold">{m.from}</span>
          {to !== undefined && <span className="text-xs text-zinc-500">→ {to}</span>}
          <span
            className={`rounded px-1.5 text-[10px] font-semibold uppercase tracking-wide ${badgeClass(m.type)}`}
          >
            {m.type}
          </span>
          {m.priority !== 3 && (
            <span
              className={`text-[10px] font-semibold ${m.priority >= 4 ? "text-rose-600 dark:text-rose-400" : "text-zinc-500"}`}
            >
              P{m.priority}
            </span>
          )}
          {m.hops > 0 && <span className="text-[10px] text-zinc-500">hop {m.hops}</span>}
          <span className="text-xs text-zinc-500" title={m.timestamp}>
            {clock(Date.parse(m.timestamp))}
          </span>
          {replied !== undefined && (
            <button
              type="button"
              onClick={() => inspect(replied.seq)}
              className="truncate text-xs text-sky-700 hover:underline dark:text-sky-400"
            >
              ↪ re {replied.message.from}: {replied.message.content.slice(0, 40)}
            </button>
          )}
        </div>
        {m.type === "handoff" && <HandoffContext m={m} />}
        {m.type === "response" && m.status !== "ok" && <StatusLine m={m} />}
        {body !== "" && <Markdown text={compact && body.length > 400 ? `${body.slice(0, 400)}…` : body} />}
        {TASK_TYPES.has(m.type) && <TaskLine task={task} />}
      </div>
      <div className="absolute right-3 top-1 hidden gap-1 rounded border border-zinc-200 bg-white p-0.5 text-xs shadow-sm group-hover:flex group-focus-within:flex dark:border-zinc-700 dark:bg-zinc-900">
        <Action id="thread" label="Thread" onClick={() => openThread(m.threadId)} />
        <Action id="inspect" label="Inspect" onClick={() => inspect(stored.seq)} />
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
          <Action id="cancel" label="Cancel" danger onClick={() => cancel(commands, to, m.id)} />
        )}
      </div>
    </div>
  );
});

/** Asks the agent to stop; before the page is connected there is nothing to cancel with. */
function cancel(commands: PersonCommands, agent: string, taskId: string): void {
  try {
    commands.cancel(agent, taskId);
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
      className={`rounded px-1.5 py-0.5 hover:bg-zinc-100 dark:hover:bg-zinc-800 ${danger ? "text-red-600 dark:text-red-400" : ""}`}
    >
      {label}
    </button>
  );
}

function HandoffContext({ m }: { m: Extract<AgentMessage, { type: "handoff" }> }) {
  const h = m.handoff;
  return (
    <dl
      data-testid="handoff-context"
      className="my-1 grid grid-cols-[auto_1fr] gap-x-2 rounded border-l-4 border-amber-400 bg-amber-50 px-2 py-1 text-xs dark:bg-amber-950/40"
    >
      <dt className="font-semibold">task</dt>
      <dd className="whitespace-pre-wrap">{h.task}</dd>
      {h.progress !== "" && (
        <>
          <dt className="font-semibold">done so far</dt>
          <dd className="whitespace-pre-wrap">{h.progress}</dd>
        </>
      )}
      {h.reason !== "" && (
        <>
          <dt className="font-semibold">why</dt>
          <dd className="whitespace-pre-wrap">{h.reason}</dd>
        </>
      )}
    </dl>
  );
}

function StatusLine({ m }: { m: Extract<AgentMessage, { type: "response" }> }) {
  return (
    <div
      className={`text-xs font-semibold ${m.status === "canceled" ? "text-zinc-500" : "text-red-600 dark:text-red-400"}`}
    >
      {m.status === "canceled" ? "⊘ canceled" : `⚠ error${m.error === undefined ? "" : ` (${m.error.code})`}`}
    </div>
  );
}

function TaskLine({ task }: { task: TaskState | undefined }) {
  if (task === undefined) return <div className="text-[11px] text-zinc-400">sent</div>;
  if (task.canceledBy !== undefined && task.final === undefined)
    return <div className="text-[11px] text-zinc-500">⊘ cancel asked by {task.canceledBy}</div>;
  if (task.final !== undefined) {
    const f = task.final;
    const label = f.status === "ok" ? `answered by ${f.from}` : `${f.status} (${f.error?.code ?? ""})`;
    return (
      <div
        className={`text-[11px] ${f.status === "ok" ? "text-emerald-700 dark:text-emerald-400" : "text-red-600 dark:text-red-400"}`}
      >
        ✓ {label}
      </div>
    );
  }
  if (task.partial !== "") {
    return (
      <div
        data-testid="thread-stream"
        className="mt-1 rounded bg-zinc-50 px-2 py-1 text-xs text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400"
      >
        <span className="animate-pulse">✍</span> {task.partial.slice(-600)}
      </div>
    );
  }
  return (
    <div className="text-[11px] text-amber-600 dark:text-amber-400">
      {task.acked ? "working…" : "delivered"}
    </div>
  );
}

function EventLine({ stored }: { stored: StoredMessage }) {
  const m = stored.message;
  const { inspect } = useActions();
  let text: string;
  switch (m.type) {
    case "presence":
      text = `${m.from} is ${m.agent.status} (${m.agent.runtime})`;
      break;
    case "ack":
      text = `${m.from} acknowledged and is working`;
      break;
    case "cancel":
      text = `${m.from} asked ${m.to} to cancel${m.content === "" ? "" : `: ${m.content}`}`;
      break;
    case "heartbeat":
      text = `${m.from} ♥ ${m.agent.status}`;
      break;
    default:
      text = `${m.from} asked who is online`;
  }
  return (
    <div
      {...rowAttributes(m)}
      onClick={() => inspect(stored.seq)}
      className="cursor-pointer px-4 py-0.5 pl-[3.75rem] text-xs text-zinc-500 hover:bg-zinc-50 dark:hover:bg-zinc-900/60"
    >
      <span className="mr-2 font-mono">{clock(stored.receivedAt)}</span>
      {text}
    </div>
  );
}
