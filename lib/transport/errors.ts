/**
 * Errors of the NATS layer. Each says whose fault it is in its name: the peer's absence
 * (`NoAgentError`), its slowness (`RequestTimeoutError`), its answer (`AgentResponseError`), or
 * our own lifecycle (`LinkClosedError`).
 */
import type { ResponseMessage } from "../protocol";

/** Nobody is listening under that name: fails at once instead of waiting for the timeout. */
export class NoAgentError extends Error {
  override readonly name = "NoAgentError";
  constructor(
    readonly agent: string,
    detail?: string,
  ) {
    super(`no agent named ${agent} is listening${detail === undefined ? "" : ` (${detail})`}`);
  }
}

/** The agent acknowledged (or may have) but did not answer within the timeout. */
export class RequestTimeoutError extends Error {
  override readonly name = "RequestTimeoutError";
  constructor(
    readonly agent: string,
    readonly timeoutMs: number,
    readonly acknowledged: boolean,
  ) {
    super(
      `${agent} did not answer within ${timeoutMs} ms${acknowledged ? " (it acknowledged the request and is still working)" : ""}`,
    );
  }
}

/** The agent answered with status "error" or "canceled"; `response` holds the whole answer. */
export class AgentResponseError extends Error {
  override readonly name = "AgentResponseError";
  readonly code: string;
  constructor(readonly response: ResponseMessage) {
    const code = response.error?.code ?? response.status;
    super(`${response.from} answered ${response.status}: ${response.error?.message ?? response.content}`);
    this.code = code;
  }
}

/** The link was closed while the operation was under way, or before it started. */
export class LinkClosedError extends Error {
  override readonly name = "LinkClosedError";
  constructor(agent: string) {
    super(`the NATS link of ${agent} is closed`);
  }
}

/** The task was canceled by a cancel message; `by` is who asked. */
export class TaskCanceledError extends Error {
  override readonly name = "TaskCanceledError";
  constructor(
    readonly by: string,
    readonly reason: string,
  ) {
    super(`canceled by ${by}${reason === "" ? "" : `: ${reason}`}`);
  }
}
