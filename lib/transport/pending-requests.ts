/**
 * The requester's side of request/response: one entry per request in flight, settled by the
 * response, a no-responders status, the ack window, the timeout, an abort or the link closing.
 *
 * Why an ack window: the server answers "no responders" only when *nothing* subscribes to the
 * request subject, and a dashboard watching `agents.>` is such a subscriber. So a responder acks
 * any request it has not answered within its ack delay, and a request that gets neither an ack
 * nor an answer within `ackTimeoutMs` fails with NoAgentError instead of waiting out the timeout.
 */
import type { ResponseMessage, StreamMessage } from "../protocol";
import { AgentResponseError, NoAgentError, RequestTimeoutError } from "./errors";

interface Pending {
  readonly to: string;
  readonly resolve: (r: ResponseMessage) => void;
  readonly reject: (e: unknown) => void;
  readonly timers: ReturnType<typeof setTimeout>[];
  readonly cleanup: () => void;
  readonly onStream: ((chunk: StreamMessage) => void) | undefined;
  acked: boolean;
}

export interface TrackOptions {
  readonly to: string;
  readonly timeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly onStream?: ((chunk: StreamMessage) => void) | undefined;
  /** Resolves once everything the server sent before now has been processed. */
  readonly flush: () => Promise<void>;
  /** Called when the requester gives up (timeout or abort) on an agent that got the request. */
  readonly onAbandon?: (why: string) => void;
  /**
   * Delivery that waits (the log is on): no ack within the window means the agent is away and
   * the request waits for it, so this is called instead of failing with NoAgentError.
   */
  readonly onQueued?: (() => void) | undefined;
}

export class PendingRequests {
  private readonly pending = new Map<string, Pending>();

  get size(): number {
    return this.pending.size;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  targetOf(id: string): string | undefined {
    return this.pending.get(id)?.to;
  }

  /** Registers request `id` and returns the promise of its response. Call before publishing. */
  track(id: string, o: TrackOptions): Promise<ResponseMessage> {
    return new Promise<ResponseMessage>((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(o.signal.reason);
        return;
      }
      const onAbort = () => {
        if (this.fail(id, o.signal?.reason)) o.onAbandon?.("the requester canceled");
      };
      o.signal?.addEventListener("abort", onAbort, { once: true });
      const timers = [
        setTimeout(() => {
          const p = this.pending.get(id);
          if (p === undefined) return;
          this.fail(id, new RequestTimeoutError(o.to, o.timeoutMs, p.acked));
          o.onAbandon?.(`the requester stopped waiting after ${o.timeoutMs} ms`);
        }, o.timeoutMs),
      ];
      if (o.ackTimeoutMs < o.timeoutMs) {
        timers.push(
          setTimeout(() => {
            // An event loop that was blocked may still hold the ack unread: drain it first.
            o.flush().then(
              () => {
                const p = this.pending.get(id);
                if (p === undefined || p.acked) return;
                if (o.onQueued !== undefined) o.onQueued();
                else this.fail(id, new NoAgentError(o.to, `no acknowledgement within ${o.ackTimeoutMs} ms`));
              },
              () => {},
            );
          }, o.ackTimeoutMs),
        );
      }
      this.pending.set(id, {
        to: o.to,
        resolve,
        reject,
        timers,
        acked: false,
        onStream: o.onStream,
        cleanup: () => o.signal?.removeEventListener("abort", onAbort),
      });
    });
  }

  /** Marks request `id` as received by `from`; false if it is not ours or not from its target. */
  acknowledge(id: string, from: string): boolean {
    const p = this.pending.get(id);
    if (p === undefined || p.to !== from) return false;
    p.acked = true;
    return true;
  }

  /** Hands a partial answer to the requester; it also counts as an ack. */
  stream(chunk: StreamMessage): boolean {
    const p = this.pending.get(chunk.inReplyTo);
    if (p === undefined || p.to !== chunk.from) return false;
    p.acked = true;
    try {
      p.onStream?.(chunk);
    } catch {
      // a faulty callback must not break the subscription that feeds every request
    }
    return true;
  }

  /** Settles with the response: resolves on "ok", rejects with AgentResponseError otherwise. */
  settle(response: ResponseMessage): boolean {
    const pending = this.pending.get(response.inReplyTo);
    if (pending === undefined || pending.to !== response.from) return false;
    const p = this.take(response.inReplyTo);
    if (p === undefined) return false;
    if (response.status === "ok") p.resolve(response);
    else p.reject(new AgentResponseError(response));
    return true;
  }

  fail(id: string, error: unknown): boolean {
    const p = this.take(id);
    if (p === undefined) return false;
    p.reject(error);
    return true;
  }

  failAll(error: unknown): void {
    for (const id of [...this.pending.keys()]) this.fail(id, error);
  }

  private take(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    for (const t of p.timers) clearTimeout(t);
    p.cleanup();
    return p;
  }
}
