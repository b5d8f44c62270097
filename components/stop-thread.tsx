"use client";
/**
 * "Stop thread": after a confirm step (with an optional reason), the person's stop goes out
 * through the session's commands; every agent stops its tasks in the thread, each answering
 * "canceled", and refuses the thread's later tasks. The stop itself shows in the thread and #all.
 * The button sits in the thread pane's toolbar; the confirm step and the outcome go below it.
 */
import { useState, type ReactNode } from "react";
import { clock, MUTED } from "./look";
import { displayText } from "./safe-text";
import { useSession } from "./store-context";

const REASON_CHARS = 500;

type State =
  | { readonly step: "idle" }
  | { readonly step: "confirm" }
  | { readonly step: "sent"; readonly at: number }
  | { readonly step: "failed"; readonly why: string };

export function useStopThread(threadId: string): { button: ReactNode; panel: ReactNode } {
  const { commands } = useSession();
  const [state, setState] = useState<State>({ step: "idle" });
  const [reason, setReason] = useState("");
  function stop() {
    try {
      commands.stopThread(threadId, reason.trim());
      setState({ step: "sent", at: Date.now() });
      setReason("");
    } catch (e) {
      setState({ step: "failed", why: e instanceof Error ? e.message : String(e) });
    }
  }
  const button = (
    <button
      type="button"
      data-testid="stop-thread"
      aria-expanded={state.step === "confirm"}
      onClick={() => setState({ step: "confirm" })}
      className="ml-auto whitespace-nowrap rounded border border-red-300 px-2 py-0.5 text-xs text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950"
    >
      ■ Stop thread
    </button>
  );
  let panel: ReactNode = null;
  if (state.step === "confirm")
    panel = (
      <form
        data-testid="stop-thread-form"
        className="flex flex-wrap items-center gap-2 border-b border-red-200 bg-red-50 px-4 py-2 text-xs dark:border-red-900 dark:bg-red-950/40"
        onSubmit={(e) => {
          e.preventDefault();
          stop();
        }}
      >
        <p className="w-full font-semibold text-red-800 dark:text-red-300">
          Stop every agent&apos;s work in this thread? Running tasks end as canceled; later tasks in it are
          refused.
        </p>
        <input
          data-testid="stop-reason"
          aria-label="reason for stopping (optional)"
          placeholder="reason (optional)"
          maxLength={REASON_CHARS}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setState({ step: "idle" });
          }}
          autoFocus
          className="min-w-0 flex-1 rounded border border-zinc-300 bg-white px-1.5 py-0.5 dark:border-zinc-700 dark:bg-zinc-900"
        />
        <button
          type="submit"
          data-testid="stop-thread-confirm"
          className="whitespace-nowrap rounded bg-red-700 px-2 py-0.5 font-semibold text-white hover:bg-red-800"
        >
          Stop thread
        </button>
        <button
          type="button"
          data-testid="stop-thread-keep"
          onClick={() => setState({ step: "idle" })}
          className="whitespace-nowrap rounded border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          Keep going
        </button>
      </form>
    );
  else if (state.step === "sent")
    panel = (
      <p
        data-testid="stop-thread-status"
        data-state="sent"
        role="status"
        className={`border-b border-zinc-200 px-4 py-1 text-xs dark:border-zinc-800 ${MUTED}`}
      >
        Stop sent at {clock(state.at)}: running tasks answer “canceled”.
      </p>
    );
  else if (state.step === "failed")
    panel = (
      <p
        data-testid="stop-thread-status"
        data-state="failed"
        role="alert"
        className="border-b border-zinc-200 px-4 py-1 text-xs text-red-700 dark:border-zinc-800 dark:text-red-400"
      >
        Could not stop the thread: {displayText(state.why, 200)}
      </p>
    );
  return { button, panel };
}
