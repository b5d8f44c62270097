/**
 * Serving tasks (direct messages, requests, handoffs). A handler's return value becomes the
 * task's `response` on `{root}.response.{sender}.{taskId}`, where acks and stream chunks go too.
 *
 * Every way a task can end (the handler's answer, its error, a cancel, the link closing, a
 * refusal before it starts) goes through one function, `settle`: the first ending is answered,
 * exactly once; a later one is logged and dropped.
 */
import {
  HopLimitError,
  MessageTooLargeError,
  encodeMessage,
  type CancelMessage,
  type Cause,
  type ResponseMessage,
  type ErrorCode,
  type ErrorInfo,
  type Metadata,
  type ResponseStatus,
  type AnnouncementMessage,
  type StopMessage,
  type TaskMessage,
} from "../../protocol";
import { SeenIds } from "../log/seen-ids";
import { stopReason, type StoppedThreads } from "./stopped-threads";
import { TaskCanceledError } from "../errors";
import type { AgentLink, HandlerContext } from "../agent-link";
import type { Logger } from "../logger";
import type { Rejections } from "../rejections";
import type { Wire } from "./wire";

/** What a task handler returns: text, a full answer, or nothing (no response is sent). */
export type Reply =
  | string
  | { content: string; metadata?: Metadata; status?: ResponseStatus; error?: ErrorInfo }
  | undefined
  | void;

/** A full answer. */
export type Answer = Exclude<Reply, string | undefined | void>;

/** How a task ended; `settle` turns it into at most one answer. */
type Ending =
  | { readonly type: "reply"; readonly reply: Reply }
  | { readonly type: "error"; readonly code: ErrorCode; readonly message: string }
  | { readonly type: "canceled"; readonly reason: TaskCanceledError }
  /** The link closed: nobody is left to answer. */
  | { readonly type: "closed"; readonly reason: Error };

export interface TaskServerOptions {
  readonly ackDelayMs: number;
  readonly maxConcurrentHandlers: number;
}

export class TaskServer {
  /** Tasks whose handler is still working, by task message id. */
  private readonly running = new Map<string, Task>();
  /** Broadcast runs still working, by message id: a thread stop reaches them too. */
  private readonly listening = new Map<string, Task>();
  /**
   * Task ids taken lately. A copy of a running task would replace it in `running` and slip past
   * the limit on running tasks; a copy of a finished one would run it again. Both are refused.
   */
  private readonly taken = new SeenIds(10_000);
  /**
   * Cancels of tasks we have not seen (yet): a task and its cancel that waited in the log for an
   * agent that was away arrive from two consumers in either order. Keyed by task id and who
   * canceled (only the giver's counts, and nobody else's can push it out of the way); bounded,
   * oldest first.
   */
  private readonly canceledAhead = new Map<string, TaskCanceledError>();
  handled = 0;

  constructor(
    private readonly link: AgentLink,
    private readonly wire: Wire,
    private readonly o: TaskServerOptions,
    private readonly rejections: Rejections,
    private readonly log: Logger,
    private readonly stopped: StoppedThreads,
  ) {}

  get size(): number {
    return this.running.size;
  }

  /**
   * Runs a task's handler without blocking the subscription. A handler that returns
   * synchronously finishes synchronously (a burst of quick requests is no load); one that
   * returns a promise is tracked for cancel and acked if the sender waits and it takes a while.
   */
  serve<M extends TaskMessage>(
    m: M,
    subject: string,
    run: ((m: M, ctx: Task) => Reply | Promise<Reply>) | undefined,
  ): void {
    if (!this.taken.add(m.id)) {
      this.rejections.record("duplicate", `${m.type} ${m.id} from ${m.from} was already taken`, subject);
      return;
    }
    const task = new Task(m, this.link);
    const ahead = this.canceledAhead.get(aheadKey(m.id, m.from));
    if (ahead !== undefined) {
      this.canceledAhead.delete(aheadKey(m.id, m.from));
      return this.settle(task, { type: "canceled", reason: ahead });
    }
    const stop = this.stopped.get(m.threadId);
    if (stop !== undefined) {
      return this.settle(task, {
        type: "canceled",
        reason: new TaskCanceledError(stop.by, stopReason(stop)),
      });
    }
    if (run === undefined) {
      if (isWaited(m))
        this.settle(task, {
          type: "error",
          code: "no_handler",
          message: `${this.wire.name} does not take ${m.type}s`,
        });
      return;
    }
    if (this.running.size >= this.o.maxConcurrentHandlers) {
      this.rejections.record("overloaded", `${this.running.size} tasks already running`, subject);
      const message = `${this.wire.name} is busy with ${this.running.size} tasks; try again later`;
      if (isWaited(m)) this.settle(task, { type: "error", code: "overloaded", message });
      return;
    }
    this.handled++;
    let out: Reply | Promise<Reply>;
    try {
      out = run(m, task);
    } catch (e) {
      return this.settle(task, failure(e));
    }
    if (!isPromise(out)) return this.settle(task, { type: "reply", reply: out });
    this.running.set(m.id, task);
    if (isWaited(m)) task.ackLater(this.o.ackDelayMs, () => this.ack(m));
    out.then(
      (reply) => this.settle(task, { type: "reply", reply }),
      (e: unknown) => this.settle(task, failure(e)),
    );
  }

  /**
   * Runs a broadcast's handler with a signal a thread stop can abort (broadcasts are not tasks:
   * nobody cancels one, and nothing is answered for it here).
   */
  listen(m: AnnouncementMessage, run: (m: AnnouncementMessage, ctx: Task) => unknown): void {
    if (this.stopped.get(m.threadId) !== undefined) return;
    this.handled++;
    const task = new Task(m, this.link);
    const failed = (e: unknown) =>
      this.log.error(
        `handler for announcement ${m.id} from ${m.from} failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    let out: unknown;
    try {
      out = run(m, task);
    } catch (e) {
      return failed(e);
    }
    if (!isPromise(out)) return;
    this.listening.set(m.id, task);
    out.catch(failed).finally(() => this.listening.delete(m.id));
  }

  /**
   * A person stopped a thread: every task of ours in it ends "canceled" now (its handler's
   * signal aborts, so what it delegated is canceled in turn), broadcast runs in it are aborted,
   * and the thread's tasks that arrive later are refused.
   */
  stopThread(s: StopMessage): number {
    this.stopped.add(s.threadId, s.from, s.content);
    const reason = new TaskCanceledError(s.from, stopReason(this.stopped.get(s.threadId)!));
    let stopped = 0;
    for (const task of [...this.running.values()]) {
      if (task.message.threadId !== s.threadId) continue;
      this.settle(task, { type: "canceled", reason });
      stopped++;
    }
    for (const [id, run] of [...this.listening]) {
      if (run.message.threadId !== s.threadId) continue;
      this.listening.delete(id);
      run.abort(reason);
      stopped++;
    }
    if (stopped > 0) this.log.info(`${s.from} stopped thread ${s.threadId}: ${stopped} runs canceled`);
    return stopped;
  }

  /** Refuses a task before it starts (e.g. over the hop limit); only a waiting sender is told. */
  refuse(m: TaskMessage, code: ErrorCode, message: string): void {
    if (isWaited(m)) this.settle(new Task(m, this.link), { type: "error", code, message });
  }

  /** A cancel for one of our tasks, from whoever gave it: stops it and answers "canceled" at once. */
  cancel(c: CancelMessage, subject: string): void {
    const task = this.running.get(c.inReplyTo);
    if (task === undefined) {
      // Finished already, never ours, or not here yet: remembered, in case it is still coming.
      this.canceledAhead.set(aheadKey(c.inReplyTo, c.from), new TaskCanceledError(c.from, c.content));
      if (this.canceledAhead.size > 10_000)
        this.canceledAhead.delete(this.canceledAhead.keys().next().value!);
      return;
    }
    if (task.message.from !== c.from) {
      // Only the one who gave a task may take it back (the subject's sender is server-bound).
      this.rejections.record("spoofed", `${c.from} may not cancel a task ${task.message.from} gave`, subject);
      return;
    }
    this.settle(task, { type: "canceled", reason: new TaskCanceledError(c.from, c.content) });
  }

  /** A stream chunk tells the requester as much as an ack would. */
  streaming(taskId: string): void {
    this.running.get(taskId)?.acked();
  }

  /** The link is closing: every running task is aborted with `reason`, and none is answered. */
  abortAll(reason: Error): void {
    for (const task of [...this.running.values()]) this.settle(task, { type: "closed", reason });
  }

  /** The one way a task ends. */
  private settle(task: Task, ending: Ending): void {
    const m = task.message as TaskMessage; // only tasks are settled; broadcast runs are only aborted
    if (task.settled) {
      if (ending.type !== "closed") {
        this.log.debug(
          `task ${m.id} from ${m.from} already ended (${task.settled}); its ${ending.type} is dropped`,
        );
      }
      return;
    }
    task.settled = ending.type;
    this.running.delete(m.id);
    if (ending.type === "canceled" || ending.type === "closed") task.abort(ending.reason);
    else task.stopAcking();
    if (ending.type === "closed" || !this.wire.open) return;
    if (ending.type === "canceled") {
      const message = ending.reason.message;
      return this.answer(m, { content: message, status: "canceled", error: { code: "canceled", message } });
    }
    if (ending.type === "error") {
      return this.answer(m, {
        content: ending.message,
        status: "error",
        error: { code: ending.code, message: ending.message },
      });
    }
    if (ending.reply === undefined) return;
    const reply = typeof ending.reply === "string" ? { content: ending.reply } : ending.reply;
    try {
      this.respond(m, reply);
    } catch (first) {
      // Over the size limit: the answer is cut to fit, with a note saying how much is missing.
      let e = first;
      if (first instanceof MessageTooLargeError) {
        try {
          const cut = this.respondCut(m, reply);
          this.log.warn(
            `task ${m.id} from ${m.from}: the answer was ${first.bytes} bytes; cut by ${cut} bytes to fit`,
          );
          return;
        } catch (again) {
          e = again; // even the empty answer does not fit (its metadata): say so
        }
      }
      // The answer could not be sent: say so instead of leaving the asker to wait out its timeout.
      const code: ErrorCode = e instanceof MessageTooLargeError ? "answer_too_large" : "handler_error";
      const message = `${this.wire.name} could not send its answer: ${(e as Error).message}`;
      this.log.warn(`task ${m.id} from ${m.from}: ${message}`);
      this.answer(m, { content: message, status: "error", error: { code, message } });
    }
  }

  /** Publishes an answer to `m`; throws when it cannot be sent. */
  respond(m: Cause & { readonly from: string }, reply: Answer): ResponseMessage {
    const r = this.response(m, reply);
    this.wire.publish(this.wire.subjects.response(m.from, m.id, this.wire.name), r);
    return r;
  }

  /**
   * Publishes the longest start of the answer's text that fits the size limit, with
   * "[truncated: N bytes]" after it (a binary search over its length; a rare path). Returns N.
   * Throws MessageTooLargeError when not even the note fits (huge metadata).
   */
  private respondCut(m: TaskMessage, reply: Answer): number {
    const text = reply.content;
    const total = utf8.encode(text).byteLength;
    const cut = (k: number) => {
      const kept = text.slice(0, safeEnd(text, k));
      const dropped = total - utf8.encode(kept).byteLength;
      return { content: `${kept}\n\n[truncated: ${dropped} bytes]`, dropped };
    };
    const fits = (k: number) => {
      try {
        encodeMessage(this.response(m, { ...reply, content: cut(k).content }), this.wire.maxMessageBytes);
        return true;
      } catch {
        return false;
      }
    };
    let lo = 0;
    let hi = text.length;
    if (!fits(0)) {
      this.respond(m, { ...reply, content: cut(0).content }); // throws MessageTooLargeError
      return total;
    }
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    const c = cut(lo);
    this.respond(m, { ...reply, content: c.content });
    return c.dropped;
  }

  private response(m: Cause & { readonly from: string }, reply: Answer): ResponseMessage {
    return this.wire.compose(
      "response",
      {
        to: m.from,
        content: reply.content,
        inReplyTo: m.id,
        status: reply.status ?? "ok",
        ...(reply.error === undefined ? {} : { error: reply.error }),
      },
      { metadata: reply.metadata ?? {}, sameHopAs: m },
    );
  }

  /** Like respond, but failures are logged, never thrown. */
  private answer(m: TaskMessage, reply: Answer): void {
    try {
      this.respond(m, reply);
    } catch (e) {
      this.log.warn(`could not answer ${m.type} ${m.id} from ${m.from}: ${(e as Error).message}`);
    }
  }

  private ack(m: TaskMessage): void {
    if (!this.wire.open) return;
    this.wire.send(this.wire.subjects.response(m.from, m.id, this.wire.name), () =>
      this.wire.compose("ack", { to: m.from, content: "", inReplyTo: m.id }, { sameHopAs: m }),
    );
  }
}

const utf8 = new TextEncoder();

/** Names and ids hold no spaces, so this key is unambiguous. */
function aheadKey(taskId: string, from: string): string {
  return `${taskId} ${from}`;
}

/** `k`, or one less when `k` would split a surrogate pair. */
function safeEnd(s: string, k: number): number {
  const c = s.charCodeAt(k - 1);
  return k > 0 && c >= 0xd800 && c <= 0xdbff ? k - 1 : k;
}

/** A requester waits for the answer (so it is acked, and told of refusals). */
function isWaited(m: TaskMessage): boolean {
  return m.type === "request" || (m.type === "handoff" && m.replyTo !== undefined);
}

function failure(e: unknown): Ending {
  const message = e instanceof Error ? e.message : String(e);
  return { type: "error", code: e instanceof HopLimitError ? "hop_limit" : "handler_error", message };
}

export function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

/**
 * A running task's handle, given to its handler as the context's `signal`. The AbortSignal is
 * made on first use only: creating one per message was the largest single cost of receiving
 * (18 % in a profile), and most handlers never use it.
 */
export class Task implements HandlerContext {
  /** How the task ended, once it has. */
  settled: Ending["type"] | undefined;
  private controller: AbortController | undefined;
  private reason: unknown;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly message: TaskMessage | AnnouncementMessage,
    readonly link: AgentLink,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  ackLater(delayMs: number, ack: () => void): void {
    if (delayMs <= 0) ack();
    else this.ackTimer = setTimeout(ack, delayMs);
  }

  acked(): void {
    clearTimeout(this.ackTimer);
  }

  stopAcking(): void {
    clearTimeout(this.ackTimer);
  }

  abort(reason: unknown): void {
    clearTimeout(this.ackTimer);
    this.reason ??= reason;
    this.controller?.abort(reason);
  }
}
