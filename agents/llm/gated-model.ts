/**
 * Limits how many completions an agent asks of its model at once (a local model serves one at a
 * time anyway) with a bounded, abort-aware queue. Only model calls hold a slot: a run waiting
 * for another agent's answer holds none, so chains like A -> B -> A cannot deadlock.
 */
import { ModelError, type ChatModel, type CompleteOptions, type ModelTurn } from "./model";

export class GatedModel implements ChatModel {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly inner: ChatModel,
    private readonly limit = 1,
    private readonly queueLimit = 16,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  async complete(options: CompleteOptions): Promise<ModelTurn> {
    await this.enter(options.signal);
    try {
      return await this.inner.complete(options);
    } finally {
      this.leave();
    }
  }

  private async enter(signal: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    if (this.queue.length >= this.queueLimit) {
      throw new ModelError("busy", `${this.queue.length} model calls are already waiting; try again later`);
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => resolve();
      this.queue.push(go);
      signal.addEventListener(
        "abort",
        () => {
          const i = this.queue.indexOf(go);
          if (i < 0) return; // already given the slot
          this.queue.splice(i, 1);
          reject(new ModelError("aborted", "canceled while waiting for the model"));
        },
        { once: true },
      );
    });
    // The slot was handed over by leave(): `active` already counts it.
  }

  private leave(): void {
    const next = this.queue.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}
