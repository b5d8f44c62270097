/**
 * The ids a page has taken lately, to drop a message that comes twice: an outbox sends again what
 * the server did not acknowledge (a live copy may then arrive twice), and history read from the
 * log overlaps what arrived live. Bounded: the oldest ids are forgotten past `capacity` (the
 * store also checks the ids it still retains, so a retained message is never taken twice).
 */
export class IdWindow {
  private readonly ids = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.order.push(id);
    if (this.order.length - this.head > this.capacity) this.ids.delete(this.order[this.head++]!);
    if (this.head > 4_096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
