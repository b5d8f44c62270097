/**
 * The two deadlines of one request to a model server. The openai SDK's own `timeout` stops
 * counting once the response headers arrive, so a server that sends them and then nothing, or
 * streams forever, would hold the agent's model slot for good. This owns both deadlines:
 *   - total: the whole request, headers and every byte of the body or stream;
 *   - idle: nothing arrived for `idleMs` (before the headers, between body bytes or chunks).
 * Its `signal` aborts the request when either passes or the caller aborts; `failure()` then says
 * which, as the ModelError the runner reports.
 */
import { ModelError } from "./model";

export interface CallDeadlineOptions {
  /** What is left of the call's deadline for this request (ms). */
  readonly totalMs: number;
  /** The call's whole deadline, for the message (ms). */
  readonly timeoutMs: number;
  readonly idleMs: number;
}

export class CallDeadline {
  /** Aborted by the caller's signal, or when a deadline passes. */
  readonly signal: AbortSignal;
  private readonly ctl = new AbortController();
  private fired: "total" | "idle" | undefined;
  private heard = false;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private readonly total: ReturnType<typeof setTimeout>;
  private readonly onCallerAbort = () => this.ctl.abort(this.caller.reason);

  constructor(
    private readonly caller: AbortSignal,
    private readonly o: CallDeadlineOptions,
  ) {
    this.signal = this.ctl.signal;
    if (caller.aborted) this.ctl.abort(caller.reason);
    else caller.addEventListener("abort", this.onCallerAbort, { once: true });
    this.total = setTimeout(() => this.fire("total"), o.totalMs);
    this.restartIdle();
  }

  /** Something arrived (the headers, a body byte, a chunk): the idle deadline starts again. */
  touch(): void {
    this.heard = true;
    this.restartIdle();
  }

  /** Why the request was cut, or undefined while it was not. The caller's abort wins. */
  failure(cause?: unknown): ModelError | undefined {
    if (this.caller.aborted) return new ModelError("aborted", "the model call was canceled", cause);
    switch (this.fired) {
      case "idle":
        return new ModelError("timeout", `the model sent nothing for ${this.o.idleMs} ms (stalled)`, cause);
      case "total":
        return new ModelError(
          "timeout",
          this.heard
            ? `the model's answer did not finish within ${this.o.timeoutMs} ms`
            : `the model did not answer within ${this.o.timeoutMs} ms`,
          cause,
        );
      case undefined:
        return undefined;
    }
  }

  /**
   * Throws the failure, if any. Needed after reading: the SDK ends a stream quietly when its
   * signal aborts, so a cut stream looks like a short, complete answer.
   */
  check(): void {
    const failure = this.failure();
    if (failure !== undefined) throw failure;
  }

  /** Stops the timers (a plain method: tab agents run in browsers without Symbol.dispose). */
  dispose(): void {
    clearTimeout(this.total);
    clearTimeout(this.idle);
    this.caller.removeEventListener("abort", this.onCallerAbort);
  }

  private restartIdle(): void {
    clearTimeout(this.idle);
    if (!this.signal.aborted) this.idle = setTimeout(() => this.fire("idle"), this.o.idleMs);
  }

  private fire(which: "total" | "idle"): void {
    if (this.signal.aborted) return;
    this.fired = which;
    clearTimeout(this.total);
    clearTimeout(this.idle);
    this.ctl.abort(this.failure());
  }
}
