/**
 * What the page knows of each task (a direct message, request or handoff) from the traffic about
 * it: acknowledged, the answer streaming in, how it ended. Bounded: at most MAX_TASKS tasks (the
 * oldest go first), a streamed partial answer keeps only its last MAX_PARTIAL_CHARS characters
 * (the full answer arrives as the response, a message of its own), and a task keeps a summary
 * of its answer, not the answer: the response itself is a message, retained (and evicted) like
 * any other, so a 1 MiB answer is not kept twice or past its retention.
 */
import type { AgentMessage, ResponseMessage } from "../protocol";

export const MAX_TASKS = 2_000;
export const MAX_PARTIAL_CHARS = 4_000;
/** How much of the answer's text a task keeps (the message list shows the answer itself). */
const PREVIEW_CHARS = 200;
const ERROR_CHARS = 500;

/** How a task ended, as far as the page needs it once the answer itself may be gone. */
export interface TaskOutcome {
  readonly id: string;
  readonly from: string;
  readonly status: ResponseMessage["status"];
  readonly error?: { readonly code: string; readonly message: string };
  /** The start of the answer's text. */
  readonly preview: string;
}

export interface TaskState {
  readonly acked: boolean;
  /** Streamed partial answer, while it is being written (its tail, past MAX_PARTIAL_CHARS). */
  readonly partial: string;
  /** Characters of the partial answer dropped from its start. */
  readonly partialDropped?: number;
  readonly final?: TaskOutcome;
  readonly canceledBy?: string;
}

const NEW_TASK: TaskState = { acked: false, partial: "" };

/**
 * Applies what `batch` says about tasks to `tasks`; returns the same object when nothing changed,
 * a new one (pruned to MAX_TASKS) otherwise.
 */
export function reduceTasks(
  tasks: Readonly<Record<string, TaskState>>,
  batch: readonly AgentMessage[],
): Readonly<Record<string, TaskState>> {
  let next: Record<string, TaskState> | null = null;
  const touch = (id: string, f: (t: TaskState) => TaskState) => {
    next ??= { ...tasks };
    next[id] = f(next[id] ?? NEW_TASK);
  };
  for (const m of batch) {
    switch (m.type) {
      case "stream":
        touch(m.inReplyTo, (t) => ({ ...t, acked: true, ...grow(t, m.content) }));
        break;
      case "ack":
        touch(m.inReplyTo, (t) => ({ ...t, acked: true }));
        break;
      case "response":
        touch(m.inReplyTo, (t) => ({ ...t, final: outcome(m), partial: "", partialDropped: 0 }));
        break;
      case "cancel":
        touch(m.inReplyTo, (t) => ({ ...t, canceledBy: m.from }));
        break;
      default:
        break;
    }
  }
  return next === null ? tasks : prune(next);
}

function grow(t: TaskState, chunk: string): Pick<TaskState, "partial" | "partialDropped"> {
  const whole = t.partial + chunk;
  if (whole.length <= MAX_PARTIAL_CHARS) return { partial: whole, partialDropped: t.partialDropped ?? 0 };
  const cut = whole.length - MAX_PARTIAL_CHARS;
  return { partial: detach(whole.slice(cut)), partialDropped: (t.partialDropped ?? 0) + cut };
}

function outcome(m: ResponseMessage): TaskOutcome {
  const preview = m.content.length > PREVIEW_CHARS ? `${m.content.slice(0, PREVIEW_CHARS)}…` : m.content;
  // Copies, so the summary holds no slice of a large answer alive.
  const o: TaskOutcome = { id: m.id, from: m.from, status: m.status, preview: detach(preview) };
  if (m.error === undefined) return o;
  return { ...o, error: { code: m.error.code, message: detach(m.error.message.slice(0, ERROR_CHARS)) } };
}

/** A string that shares no storage with the one it came from (V8 may slice instead of copy). */
function detach(s: string): string {
  return s.length === 0 ? s : ` ${s}`.slice(1);
}

function prune(tasks: Record<string, TaskState>): Record<string, TaskState> {
  const keys = Object.keys(tasks);
  if (keys.length <= MAX_TASKS) return tasks;
  const out: Record<string, TaskState> = {};
  for (const k of keys.slice(keys.length - MAX_TASKS)) out[k] = tasks[k]!;
  return out;
}
