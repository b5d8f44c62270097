/**
 * Threads a person stopped (`stop` messages), remembered for a while so the thread's tasks that
 * arrive later (a delegation already on the wire, a task that waited in the log for an agent that
 * was away) are refused as canceled instead of run. Bounded in number and age: a stop is about
 * work under way, not a ban for ever.
 */
export interface Stop {
  readonly by: string;
  readonly reason: string;
  readonly at: number;
}

export class StoppedThreads {
  private readonly stops = new Map<string, Stop>();

  constructor(
    private readonly capacity = 10_000,
    private readonly ttlMs = 3_600_000,
  ) {}

  add(threadId: string, by: string, reason: string): void {
    this.stops.delete(threadId);
    this.stops.set(threadId, { by, reason, at: Date.now() });
    if (this.stops.size > this.capacity) {
      const oldest = this.stops.keys().next().value;
      if (oldest !== undefined) this.stops.delete(oldest);
    }
  }

  /** The stop of `threadId`, if it was stopped within the TTL. */
  get(threadId: string): Stop | undefined {
    if (this.stops.size === 0) return undefined; // the common case: one size check per task
    const s = this.stops.get(threadId);
    if (s === undefined) return undefined;
    if (Date.now() - s.at > this.ttlMs) {
      this.stops.delete(threadId);
      return undefined;
    }
    return s;
  }

  get size(): number {
    return this.stops.size;
  }
}

/** Why a task was canceled when its thread was stopped (TaskCanceledError adds "canceled by {by}: "). */
export function stopReason(s: Stop): string {
  return `stopped the thread${s.reason === "" ? "" : `: ${s.reason}`}`;
}
