/**
 * A thread as a waterfall: one turn per piece of work an agent did in it, on one time axis. Pure:
 * the thread pane draws it, tests compose the messages.
 *
 *   a task (direct, request, handoff) to an agent  ->  its answer (the response to the task's id
 *                                                      from the agent asked)
 *   a broadcast                                    ->  one turn per agent that answered it
 *
 * A task with no answer yet is waiting (nothing heard from the agent: queued or not yet acked) or
 * running (acked, or the agent already sent something in the thread since), and its bar grows
 * until "now". Times are the messages' own timestamps (each sender's clock: on one machine, the
 * same clock); an answer stamped before its task (clocks apart) ends where it starts.
 *
 * The figures come from the answer's `metadata.run` (lib/protocol/budget.ts), reported by the
 * agent and validated by `runReportIn`: shown as the agent's word, never trusted further.
 */
import { runReportIn, type AgentMessage, type ResponseMessage, type RunReport } from "../protocol";

export type TurnStatus = "waiting" | "running" | "done" | "error" | "canceled" | "budget_exceeded";

export interface Turn {
  /** Unique in the timeline: the task's id, and the answering agent for a broadcast. */
  readonly key: string;
  /** Who did the work. */
  readonly agent: string;
  /** Who asked. */
  readonly asker: string;
  readonly kind: "direct" | "request" | "handoff" | "announcement";
  readonly taskId: string;
  /** The task's hop in the thread: how deep in the delegation chain. */
  readonly hops: number;
  readonly startMs: number;
  /** When the answer was sent; null while the turn runs. */
  readonly endMs: number | null;
  readonly status: TurnStatus;
  /** The answer's error, for "error", "canceled" and "budget_exceeded" (as sent: untrusted text). */
  readonly error?: { readonly code: string; readonly message: string };
  /** What the run reported it cost; null when the answer carried no (valid) report. */
  readonly run: RunReport | null;
}

export interface ThreadStop {
  readonly id: string;
  readonly from: string;
  readonly atMs: number;
  readonly reason: string;
}

export interface Timeline {
  /** The axis: the thread's first message to its last (or to now, while a turn runs). */
  readonly startMs: number;
  readonly endMs: number;
  /** In order of start (then depth); at most MAX_TURNS. */
  readonly turns: readonly Turn[];
  /** Turns past MAX_TURNS, not listed. */
  readonly omitted: number;
  readonly running: boolean;
  /** People who stopped the thread, and when. */
  readonly stops: readonly ThreadStop[];
}

/** Bars drawn at most: a broadcast answered by a thousand agents is still one readable pane. */
export const MAX_TURNS = 200;

type Task = Extract<AgentMessage, { type: "direct" | "request" | "handoff" }>;

/**
 * The waterfall of a thread's messages (any order; other threads' messages are the caller's to
 * leave out). `me` is the page's person: tasks sent to it are messages to read, not work. `now`
 * ends the axis while a turn runs.
 */
export function threadTimeline(messages: readonly AgentMessage[], me: string, now: number): Timeline {
  const tasks = new Map<string, Task>();
  const broadcasts = new Map<string, AgentMessage>();
  const answers = new Map<string, ResponseMessage>();
  const broadcastAnswers: ResponseMessage[] = [];
  const acked = new Set<string>();
  /** The latest time each agent sent anything in the thread. */
  const lastSaid = new Map<string, number>();
  const stops: ThreadStop[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;

  for (const m of messages) {
    if (m.type === "presence" || m.type === "heartbeat" || m.type === "discover") continue;
    const at = time(m);
    first = Math.min(first, at);
    last = Math.max(last, at);
    lastSaid.set(m.from, Math.max(lastSaid.get(m.from) ?? at, at));
    switch (m.type) {
      case "direct":
      case "request":
      case "handoff":
        if (m.to !== me && !tasks.has(m.id)) tasks.set(m.id, m);
        break;
      case "announcement":
        broadcasts.set(m.id, m);
        break;
      case "ack":
        acked.add(`${m.inReplyTo}:${m.from}`);
        break;
      case "response":
        // The first answer to each task counts (a task is answered once); broadcasts are matched
        // once every message is in, since an answer may be listed before its question.
        if (!answers.has(`${m.inReplyTo}:${m.from}`)) answers.set(`${m.inReplyTo}:${m.from}`, m);
        broadcastAnswers.push(m);
        break;
      case "stop":
        stops.push({ id: m.id, from: m.from, atMs: at, reason: m.content });
        break;
      case "stream":
      case "cancel":
        break;
    }
  }

  const turns: Turn[] = [];
  for (const t of tasks.values()) {
    const startMs = time(t);
    const answer = answers.get(`${t.id}:${t.to}`);
    if (answer !== undefined) {
      turns.push(ended(t.id, t.type, t.from, t.to, t.hops, startMs, answer));
      continue;
    }
    const heard = acked.has(`${t.id}:${t.to}`) || (lastSaid.get(t.to) ?? Number.NEGATIVE_INFINITY) >= startMs;
    turns.push({
      key: t.id,
      agent: t.to,
      asker: t.from,
      kind: t.type,
      taskId: t.id,
      hops: t.hops,
      startMs,
      endMs: null,
      status: heard ? "running" : "waiting",
      run: null,
    });
  }
  const answered = new Set<string>();
  for (const a of broadcastAnswers) {
    const b = broadcasts.get(a.inReplyTo);
    const key = `${a.inReplyTo}:${a.from}`;
    if (b === undefined || answered.has(key)) continue;
    answered.add(key);
    turns.push({ ...ended(b.id, "announcement", b.from, a.from, b.hops, time(b), a), key });
  }

  // Start, then depth, then who finished first (a broadcast's answers start together).
  const end = (t: Turn) => t.endMs ?? Number.POSITIVE_INFINITY;
  turns.sort(
    (a, b) => a.startMs - b.startMs || a.hops - b.hops || end(a) - end(b) || (a.key < b.key ? -1 : 1),
  );
  const running = turns.some((t) => t.endMs === null);
  const startMs = Number.isFinite(first) ? first : now;
  const endMs = running ? Math.max(now, last) : Number.isFinite(last) ? last : now;
  return {
    startMs,
    endMs: Math.max(endMs, startMs),
    turns: turns.slice(0, MAX_TURNS),
    omitted: Math.max(0, turns.length - MAX_TURNS),
    running,
    stops,
  };
}

function ended(
  taskId: string,
  kind: Turn["kind"],
  asker: string,
  agent: string,
  hops: number,
  startMs: number,
  answer: ResponseMessage,
): Turn {
  const code = answer.error?.code;
  const status: TurnStatus =
    answer.status === "ok"
      ? "done"
      : answer.status === "canceled"
        ? "canceled"
        : code === "budget_exceeded"
          ? "budget_exceeded"
          : "error";
  return {
    key: taskId,
    agent,
    asker,
    kind,
    taskId,
    hops,
    startMs,
    endMs: Math.max(startMs, time(answer)),
    status,
    ...(answer.error === undefined ? {} : { error: answer.error }),
    run: reportOf(answer),
  };
}

/**
 * Each answer's report, validated once: the pane derives the timeline again whenever the page
 * takes a batch, and messages are immutable once stored.
 */
const reports = new WeakMap<ResponseMessage, RunReport | null>();
function reportOf(m: ResponseMessage): RunReport | null {
  let r = reports.get(m);
  if (r === undefined) {
    r = runReportIn(m.metadata);
    reports.set(m, r);
  }
  return r;
}

/** A message's own time (validated ISO by the schema; a bad one would read as the epoch). */
function time(m: AgentMessage): number {
  const t = Date.parse(m.timestamp);
  return Number.isFinite(t) ? t : 0;
}

/** Where a turn sits on the axis, in percent of its width (a running turn ends at `now`). */
export function placement(t: Turn, axis: Pick<Timeline, "startMs" | "endMs">, now: number) {
  const span = Math.max(1, axis.endMs - axis.startMs);
  const end = t.endMs ?? Math.max(now, t.startMs);
  const left = clamp(((t.startMs - axis.startMs) / span) * 100);
  const width = clamp(((end - t.startMs) / span) * 100, 0, 100 - left);
  return { left, width, ms: end - t.startMs };
}

function clamp(x: number, lo = 0, hi = 100): number {
  return Math.min(hi, Math.max(lo, x));
}
