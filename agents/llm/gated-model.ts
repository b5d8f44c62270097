/**
 * Limits how many completions an agent asks of its model at once (a local model serves one at a
 * time anyway) with a bounded, abort-aware queue. Only model calls hold a slot: a run waiting
 * for another agent's answer holds none, so chains like A -> B -> A cannot deadlock.
 *
 * The slot comes back on every path, exactly once: when the call settles, when the caller
 * aborts (even if the model ignores its signal), and at a hard deadline for a model that never
 * settles at all. A call that settles after its slot was taken back is ignored.
 */
import { DEFAULTS } from "../../lib/config";
import { ModelError, type ChatModel, type CompleteOptions, type ModelTurn } from "./model";

/** How much longer than the model's own deadline the gate waits before it takes the slot back. */
export const GATE_GRACE_MS = 5_000;

export class GatedModel implements ChatModel {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** How long one call may hold the slot before the gate takes it back (ms). */
  readonly hardDeadlineMs: number;

  /**
   * `hardDeadlineMs` defaults to the inner model's `timeoutMs` (OpenAIChatModel declares one;
   * else LLM_TIMEOUT_MS's default) plus GATE_GRACE_MS: the inner deadline should always fire
   * first, this one only for a model that does not keep its own.
   */
  constructor(
    private readonly inner: ChatModel,
    private readonly limit = 1,
    private readonly queueLimit = 16,
    hardDeadlineMs?: number,
  ) {
    this.hardDeadlineMs = hardDeadlineMs ?? (declaredTimeout(inner) ?? DEFAULTS.llmTimeoutMs) + GATE_GRACE_MS;
  }

  get id(): string {
    return this.inner.id;
  }

  async complete(options: CompleteOptions): Promise<ModelTurn> {
    await this.enter(options.signal);
    return new Promise<ModelTurn>((resolve, reject) => {
      let released = false;
      const settle = (finish: () => void) => {
        if (released) return; // a late settle of the inner call, after the slot came back
        released = true;
        clearTimeout(timer);
        options.signal.removeEventListener("abort", onAbort);
        this.leave();
        finish();
      };
      const onAbort = () => settle(() => reject(new ModelError("aborted", "the model call was canceled")));
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new ModelError(
                "timeout",
                `the model call did not end within ${this.hardDeadlineMs} ms (the model ignored its deadline)`,
              ),
            ),
          ),
        this.hardDeadlineMs,
      );
      if (options.signal.aborted) return onAbort();
      options.signal.addEventListener("abort", onAbort, { once: true });
      let call: Promise<ModelTurn>;
      try {
        call = this.inner.complete(options);
      } catch (e) {
        call = Promise.reject(e as Error);
      }
      call.then(
        (turn) => settle(() => resolve(turn)),
        (e: unknown) => settle(() => reject(e as Error)),
      );
    });
  }

  private async enter(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new ModelError("aborted", "canceled while waiting for the model");
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    if (this.queue.length >= this.queueLimit) {
      throw new ModelError("busy", `${this.queue.length} model calls are already waiting; try again later`);
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(go);
        if (i < 0) return; // already given the slot
        this.queue.splice(i, 1);
        reject(new ModelError("aborted", "canceled while waiting for the model"));
      };
      const go = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.queue.push(go);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    // The slot was handed over by leave(): `active` already counts it.
  }

  private leave(): void {
    const next = this.queue.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}

/** The deadline a model declares for one call (OpenAIChatModel's `timeoutMs`), if any. */
function declaredTimeout(model: ChatModel): number | undefined {
  const t = (model as { readonly timeoutMs?: unknown }).timeoutMs;
  return typeof t === "number" && Number.isFinite(t) && t > 0 ? t : undefined;
}
