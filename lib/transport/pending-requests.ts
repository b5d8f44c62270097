/**
 * The requester's side of request/response: one entry per request in flight, settled by the
 * response, a no-responders status, the ack window, the timeout, an abort or the link closing.
 *
 * Why an ack window: the server answers "no responders" only when *nothing* subscribes to the
 * request subject, and a dashboard watching `agents.>` is such a subscriber. So a responder acks
 * any request it has not answered within its ack delay, and a request that gets neither an ack
 * nor an answer within `ackTimeoutMs` fails with NoAgentError instead of waiting out the timeout.
 */
import type { ResponseMessage } from "../protocol";
import { AgentResponseError, NoAgentError, RequestTimeoutError } from "./errors";

interface Pending {
  readonly to: string;
  readonly resolve: (r: ResponseMessage) => void;
  readonly reject: (e: unknown) => void;
  readonly timers: ReturnType<typeof setTimeout>[];
  readonly cleanup: () => void;
  acked: boolean;
}

export interface TrackOptions {
  readonly to: string;
  readonly timeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Resolves once everything the server sent before now has been processed. */
  readonly flush: () => Promise<void>;
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
      const onAbort = () => this.fail(id, o.signal?.reason);
      o.signal?.addEventListener("abort", onAbort, { once: true });
      const timers = [
        setTimeout(() => {
          const p = this.pending.get(id);
          if (p !== undefined) this.fail(id, new RequestTimeoutError(o.to, o.timeoutMs, p.acked));
        }, o.timeoutMs),
      ];
      if (o.ackTimeoutMs < o.timeoutMs) {
        timers.push(
          setTimeout(() => {
            // An event loop that was blocked may still hold the ack unread: drain it first.
            o.flush().then(
              () => {
                const p = this.pending.get(id);
                if (p !== undefined && !p.acked) {
                  this.fail(id, new NoAgentError(o.to, `no acknowledgement within ${o.ackTimeoutMs} ms`));
                }
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
        cleanup: () => o.signal?.removeEventListener("abort", onAbort),
      });
    });
  }

  acknowledge(id: string): boolean {
    const p = this.pending.get(id);
    if (p === undefined) return false;
    p.acked = true;
    return true;
  }

  /** Settles with the response: resolves on "ok", rejects with AgentResponseError otherwise. */
  settle(id: string, response: ResponseMessage): boolean {
    const p = this.take(id);
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
