/**
 * Message ids a receiver has already taken, so a message that arrives twice (at-least-once
 * delivery: a redelivery after a lost ack, a copy re-sent after an outage) is handled once.
 * Bounded: the oldest ids are forgotten first (a Set keeps insertion order).
 */
export class SeenIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = 20_000) {}

  /** Records `id`; false when it was already there (a duplicate). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}
