/**
 * What an agent remembers of each conversation: the turns of a thread, bounded per thread and in
 * number of threads (least recently used goes first), so a long-lived agent's memory stays flat.
 */
import type { ChatMessage } from "../llm/model";

export class ThreadMemory {
  private readonly threads = new Map<string, ChatMessage[]>();

  constructor(
    private readonly maxTurnsPerThread = 24,
    private readonly maxThreads = 200,
  ) {}

  history(threadId: string, participant: string): readonly ChatMessage[] {
    void participant;
    const turns = this.threads.get(threadId);
    if (turns === undefined) return [];
    this.threads.delete(threadId); // move to most recently used
    this.threads.set(threadId, turns);
    return turns;
  }

  append(threadId: string, participant: string, ...messages: ChatMessage[]): void {
    void participant;
    const turns = [...(this.threads.get(threadId) ?? []), ...messages];
    // Keep whole exchanges: never start a thread's memory with a dangling tool result.
    let start = Math.max(0, turns.length - this.maxTurnsPerThread);
    while (start < turns.length && turns[start]?.role === "tool") start++;
    this.threads.delete(threadId);
    this.threads.set(threadId, turns.slice(start));
    if (this.threads.size > this.maxThreads) {
      const oldest = this.threads.keys().next().value;
      if (oldest !== undefined) this.threads.delete(oldest);
    }
  }
}
