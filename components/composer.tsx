"use client";
/**
 * Send, ask, hand off or broadcast. The target completes from the registry; a request (or a
 * handoff, which waits for its answer too) shows the answer inline as it streams in, or why it
 * failed: nobody listening, timeout, error, canceled.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { nameProblem, type Priority } from "../lib/protocol";
import { MUTED } from "./look";
import { displayName, displayText } from "./safe-text";
import { useDashboard, useSession } from "./store-context";

type Kind = "direct" | "request" | "handoff" | "broadcast";
type Result =
  | { state: "pending"; partial: string }
  | { state: "ok"; text: string; from: string }
  | { state: "error" | "timeout" | "canceled"; text: string }
  | { state: "sent"; text: string };

const field =
  "rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900 focus:outline-none focus:ring-1 focus:ring-sky-500";

export function Composer() {
  const { commands } = useSession();
  const roster = useDashboard((s) => s.roster);
  const me = useDashboard((s) => s.me);
  const draft = useDashboard((s) => s.composer);
  const connected = useDashboard((s) => s.connection.status === "connected");
  const [kind, setKind] = useState<Kind>("request");
  const [target, setTarget] = useState("");
  const [priority, setPriority] = useState(3);
  const [text, setText] = useState("");
  const [task, setTask] = useState("");
  const [progress, setProgress] = useState("");
  const [reason, setReason] = useState("");
  const [threadId, setThreadId] = useState<string | undefined>(undefined);
  const [result, setResult] = useState<Result | null>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (draft === null) return;
    setKind(draft.kind);
    setTarget(draft.target);
    setText(draft.text);
    setTask(draft.task ?? "");
    setThreadId(draft.threadId);
    setResult(null);
    textRef.current?.focus();
  }, [draft]);

  // The roster is in display order already and changes only when agents come, go or change status.
  const names = useMemo(() => roster.filter((e) => e.agent.name !== me), [roster, me]);
  const targetProblem = kind === "broadcast" || target === "" ? null : nameProblem(target);

  async function send() {
    if (kind !== "broadcast" && target === "")
      return setResult({ state: "error", text: "choose who to send it to" });
    if (targetProblem !== null) return setResult({ state: "error", text: targetProblem });
    const opts = { priority: priority as Priority, ...(threadId === undefined ? {} : { threadId }) };
    try {
      switch (kind) {
        case "broadcast":
          if (text.trim() === "") return;
          commands.broadcast(text, opts);
          setResult({ state: "sent", text: "broadcast sent to everyone" });
          break;
        case "direct":
          if (text.trim() === "") return;
          commands.send(target, text, opts);
          setResult({ state: "sent", text: `sent to ${target}; its answer will appear in the thread` });
          break;
        case "request":
        case "handoff": {
          if (kind === "request" ? text.trim() === "" : task.trim() === "") return;
          setResult({ state: "pending", partial: "" });
          const onPartial = (partial: string) => setResult({ state: "pending", partial });
          const answer =
            kind === "request"
              ? commands.request(target, text, { ...opts, onPartial })
              : commands.handOff(target, { task, progress, reason }, { ...opts, onPartial, note: text });
          const r = await answer;
          setResult({ state: "ok", text: r.content, from: r.from });
          break;
        }
      }
      setText("");
      if (kind === "handoff") {
        setTask("");
        setProgress("");
        setReason("");
      }
    } catch (e) {
      const err = e as Error & { response?: { status?: string } };
      // A task canceled (by a cancel, or a stop of its thread) was not a failure of the agent.
      const state =
        err.name === "RequestTimeoutError"
          ? "timeout"
          : err.name === "AgentResponseError" && err.response?.status === "canceled"
            ? "canceled"
            : "error";
      setResult({ state, text: err.message });
    }
  }

  return (
    <form
      data-testid="composer"
      className="border-t border-zinc-200 p-3 dark:border-zinc-800"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {result !== null && <ResultLine result={result} onClose={() => setResult(null)} />}
      <div className="flex flex-wrap items-center gap-2">
        <select
          data-testid="composer-kind"
          aria-label="message kind"
          className={field}
          value={kind}
          onChange={(e) => setKind(e.target.value as Kind)}
        >
          <option value="direct">direct</option>
          <option value="request">request</option>
          <option value="handoff">handoff</option>
          <option value="broadcast">broadcast</option>
        </select>
        {kind !== "broadcast" && (
          <>
            <input
              data-testid="composer-target"
              aria-label="to agent"
              list="composer-agents"
              className={`${field} w-48 ${targetProblem !== null ? "border-red-500" : ""}`}
              placeholder="to agent…"
              value={target}
              onChange={(e) => setTarget(e.target.value.trim())}
            />
            <datalist id="composer-agents">
              {names.map((e) => (
                <option key={e.agent.name} value={e.agent.name}>
                  {e.status} · {displayName(e.agent.capabilities.join(", "), 80)}
                </option>
              ))}
            </datalist>
          </>
        )}
        <select
          data-testid="composer-priority"
          aria-label="priority"
          className={field}
          value={priority}
          onChange={(e) => setPriority(Number(e.target.value))}
        >
          {[1, 2, 3, 4, 5].map((p) => (
            <option key={p} value={p}>
              P{p}
              {p === 3 ? " (normal)" : p === 5 ? " (urgent)" : ""}
            </option>
          ))}
        </select>
        {threadId !== undefined && (
          <button
            type="button"
            className={`text-xs hover:underline ${MUTED}`}
            onClick={() => setThreadId(undefined)}
            title="send as a new conversation instead"
          >
            in thread …{threadId.slice(-6)} ✕
          </button>
        )}
        {targetProblem !== null && (
          <span role="alert" className="text-xs text-red-700 dark:text-red-400">
            {targetProblem}
          </span>
        )}
      </div>
      {kind === "handoff" && (
        <div className="mt-2 grid grid-cols-1 gap-2 md:grid-cols-3">
          <input
            data-testid="composer-task"
            aria-label="task (what was asked)"
            className={field}
            placeholder="task (what was asked)"
            value={task}
            onChange={(e) => setTask(e.target.value)}
          />
          <input
            data-testid="composer-progress"
            aria-label="done so far"
            className={field}
            placeholder="done so far"
            value={progress}
            onChange={(e) => setProgress(e.target.value)}
          />
          <input
            data-testid="composer-reason"
            aria-label="why this agent"
            className={field}
            placeholder="why this agent"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        </div>
      )}
      <div className="mt-2 flex items-end gap-2">
        <textarea
          ref={textRef}
          data-testid="composer-text"
          aria-label={kind === "handoff" ? "note for the receiver" : "message"}
          rows={2}
          className={`${field} min-h-[2.5rem] flex-1 resize-y`}
          placeholder={
            kind === "handoff"
              ? "note for the receiver (optional)"
              : kind === "broadcast"
                ? "message to every agent"
                : "message (Markdown; Enter sends, Shift+Enter for a new line)"
          }
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button
          data-testid="composer-send"
          type="submit"
          disabled={!connected}
          className="rounded bg-sky-700 px-4 py-2 text-sm font-semibold text-white hover:bg-sky-800 disabled:opacity-50"
        >
          {kind === "request"
            ? "Ask"
            : kind === "handoff"
              ? "Hand off"
              : kind === "broadcast"
                ? "Broadcast"
                : "Send"}
        </button>
      </div>
    </form>
  );
}

/** Characters of an answer shown in the composer's result line. */
const RESULT_CHARS = 4_000;

function ResultLine({ result, onClose }: { result: Result; onClose: () => void }) {
  const look = {
    pending: "border-amber-300 bg-amber-50 dark:border-amber-800 dark:bg-amber-950/40",
    ok: "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950/40",
    sent: "border-zinc-300 bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900",
    error: "border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950/40",
    timeout: "border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950/40",
    canceled: "border-zinc-300 bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900",
  }[result.state];
  // An answer or an error is the other side's text: bounded here (a long answer is in full in
  // the list, and in the inspector).
  const body =
    result.state === "pending"
      ? result.partial === ""
        ? "waiting for the answer…"
        : displayText(result.partial.slice(-RESULT_CHARS), RESULT_CHARS)
      : result.state === "ok"
        ? `${displayName(result.from)}: ${displayText(result.text, RESULT_CHARS)}`
        : displayText(result.text, RESULT_CHARS);
  return (
    <div
      data-testid="composer-result"
      data-state={result.state}
      className={`mb-2 flex items-start gap-2 rounded border px-3 py-2 text-sm ${look}`}
    >
      <span className={`shrink-0 text-xs font-semibold uppercase ${MUTED}`}>{result.state}</span>
      <span
        role="status"
        className="max-h-40 min-w-0 flex-1 overflow-y-auto whitespace-pre-wrap break-words [overflow-wrap:anywhere]"
      >
        {body}
      </span>
      <button
        type="button"
        onClick={onClose}
        className="text-zinc-500 hover:text-zinc-700 dark:text-zinc-400 dark:hover:text-zinc-200"
        aria-label="dismiss"
      >
        ✕
      </button>
    </div>
  );
}
