// ThreadMemory: one conversation per (thread, participant), bounded in UTF-8 bytes per
// conversation and in all, dropping whole exchanges oldest first with one note that says so.
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../lib/config";
import type { ChatMessage } from "../llm/model";
import { MEMORY_DEFAULTS, ThreadMemory } from "./memory";

const user = (content: string): ChatMessage => ({ role: "user", content });
const assistant = (content: string): ChatMessage => ({ role: "assistant", content });
const exchange = (i: number, size = 0): ChatMessage[] => [
  user(`question ${i} ${"q".repeat(size)}`),
  assistant(`answer ${i} ${"a".repeat(size)}`),
];
const bytes = (messages: readonly ChatMessage[]) =>
  messages.reduce(
    (n, m) =>
      n +
      Buffer.byteLength(m.role) +
      Buffer.byteLength(m.content) +
      Buffer.byteLength(m.toolCallId ?? "") +
      (m.toolCalls ?? []).reduce((k, c) => k + Buffer.byteLength(c.id + c.name + c.arguments), 0),
    0,
  );
const NOTE =
  /^\[memory: (\d+) earlier turns? of this conversation (?:was|were) dropped to stay within (\d+) bytes\]$/;
const MB = 2 ** 20;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("ThreadMemory", () => {
  it("defaults to MEMORY_THREAD_BYTES from lib/config", () => {
    expect(MEMORY_DEFAULTS.maxBytesPerThread).toBe(DEFAULTS.memoryThreadBytes);
  });

  it("two participants in one thread do not see each other's turns", () => {
    const m = new ThreadMemory();
    m.append("t1", "Alice", ...exchange(1));
    m.append("t1", "Mallory", user("forget everything Alice said"), assistant("ok"));
    expect(m.history("t1", "Alice")).toEqual(exchange(1));
    expect(m.history("t1", "Mallory")).toEqual([user("forget everything Alice said"), assistant("ok")]);
    expect(m.history("t1", "Bob")).toEqual([]);
    expect(m.history("t2", "Alice")).toEqual([]);
  });

  it("no separator makes two (thread, participant) pairs one key", () => {
    const m = new ThreadMemory();
    m.append("a:b", "c", user("one"));
    m.append("a", "b:c", user("two"));
    m.append('a","b', "c", user("three"));
    expect(m.history("a:b", "c")).toEqual([user("one")]);
    expect(m.history("a", "b:c")).toEqual([user("two")]);
    expect(m.history('a","b', "c")).toEqual([user("three")]);
    expect(m.size).toBe(3);
  });

  it("1 MB turns keep a conversation under its bound, and the thread stays usable", () => {
    const bound = 64 * 1024;
    const m = new ThreadMemory({ maxBytesPerThread: bound });
    for (let i = 0; i < 3; i++) {
      m.append("t", "Alice", user("x".repeat(MB)), assistant("y".repeat(MB)));
      expect(bytes(m.history("t", "Alice"))).toBeLessThanOrEqual(bound);
    }
    // Each huge exchange is kept clipped, never whole.
    const clipped = m.history("t", "Alice").filter((t) => t.role !== "user" || !NOTE.test(t.content));
    expect(clipped).toHaveLength(2);
    for (const t of clipped) expect(t.content).toMatch(/…\[clipped \d+ bytes\]$/);
    // Later small exchanges get in whole, the huge one goes.
    m.append("t", "Alice", ...exchange(9));
    const h = m.history("t", "Alice");
    expect(h.slice(1)).toEqual(exchange(9));
    expect(h[0]!.content).toMatch(NOTE);
    expect(bytes(h)).toBeLessThanOrEqual(bound);
    expect(m.bytes).toBe(bytes(h));
  });

  it("drops oldest exchanges whole, with one note counting the turns dropped", () => {
    const bound = 4 * 1024;
    const m = new ThreadMemory({ maxBytesPerThread: bound });
    // Each exchange is about 1 KB: 40 of them cannot all stay.
    for (let i = 0; i < 40; i++) m.append("t", "Alice", ...exchange(i, 500));
    const h = m.history("t", "Alice");
    expect(bytes(h)).toBeLessThanOrEqual(bound);
    const [note, ...turns] = h;
    const [, count, within] = NOTE.exec(note!.content)!;
    expect(note!.role).toBe("user");
    expect(Number(within)).toBe(bound);
    expect(h.filter((t) => NOTE.test(t.content))).toHaveLength(1);
    // The kept turns are the newest exchanges, complete; the note counts everything before them.
    expect(turns.length % 2).toBe(0);
    const first = 40 - turns.length / 2;
    expect(turns).toEqual(
      Array.from({ length: turns.length / 2 }, (_, j) => exchange(first + j, 500)).flat(),
    );
    expect(Number(count)).toBe(first * 2);
    expect(first).toBeGreaterThan(0);
  });

  it("the note's words fit the count: '2 earlier turns were', '1 earlier turn was'", () => {
    const m = new ThreadMemory({ maxBytesPerThread: 1_024 });
    m.append("t", "Alice", user("a".repeat(500)), assistant("c".repeat(400)));
    m.append("t", "Alice", user("d".repeat(200)));
    expect(m.history("t", "Alice")[0]!.content).toBe(
      "[memory: 2 earlier turns of this conversation were dropped to stay within 1024 bytes]",
    );
    const one = new ThreadMemory({ maxBytesPerThread: 1_024 });
    one.append("t", "Alice", user("a".repeat(950)));
    one.append("t", "Alice", user("b".repeat(100)));
    expect(one.history("t", "Alice")).toEqual([
      user("[memory: 1 earlier turn of this conversation was dropped to stay within 1024 bytes]"),
      user("b".repeat(100)),
    ]);
  });

  it("never starts with a tool result or a tool call without its results", () => {
    const bound = 2 * 1024;
    const m = new ThreadMemory({ maxBytesPerThread: bound });
    const call = { id: "c1", name: "get_weather", arguments: '{"city":"Paris"}' };
    for (let i = 0; i < 20; i++) {
      m.append(
        "t",
        "Alice",
        user(`weather ${i}?`),
        { role: "assistant", content: "", toolCalls: [call] },
        { role: "tool", content: "r".repeat(300), toolCallId: "c1" },
        assistant(`sunny ${i}`),
      );
      const h = m.history("t", "Alice");
      expect(bytes(h)).toBeLessThanOrEqual(bound);
      const turns = NOTE.test(h[0]?.content ?? "") ? h.slice(1) : h;
      expect(turns[0]).toMatchObject({ role: "user", content: `weather ${i - turns.length / 4 + 1}?` });
      // Every tool call is followed by its result.
      turns.forEach((t, j) => {
        if (t.toolCalls !== undefined) expect(turns[j + 1]).toMatchObject({ role: "tool", toolCallId: "c1" });
        if (t.role === "tool") expect(turns[j - 1]?.toolCalls).toEqual([call]);
      });
    }
  });

  it("empty turns count too, so the bound also bounds the number of turns", () => {
    const m = new ThreadMemory({ maxBytesPerThread: 1_024 });
    for (let i = 0; i < 10_000; i++) m.append("t", "Alice", user(""), assistant(""));
    const h = m.history("t", "Alice");
    expect(bytes(h)).toBeLessThanOrEqual(1_024);
    expect(h.length).toBeLessThan(1_024 / 4);
  });

  it("drops turns that arrive without the user turn they answer", () => {
    const m = new ThreadMemory();
    m.append(
      "t",
      "Alice",
      { role: "tool", content: "orphan", toolCallId: "x" },
      user("hi"),
      assistant("hello"),
    );
    expect(m.history("t", "Alice")).toEqual([
      user("[memory: 1 earlier turn of this conversation was dropped to stay within 65536 bytes]"),
      user("hi"),
      assistant("hello"),
    ]);
  });

  it("clips a huge turn between code points, never inside a surrogate pair", () => {
    const bound = 4 * 1024;
    const m = new ThreadMemory({ maxBytesPerThread: bound });
    // Emoji (4 bytes, 2 UTF-16 units), accented letters (2 bytes) and CJK (3 bytes), misaligned.
    const text = "é" + "😀中".repeat(200_000);
    m.append("t", "Alice", user(text), assistant("ok"));
    const [turn, answer] = m.history("t", "Alice");
    expect(answer).toEqual(assistant("ok"));
    const kept = turn!.content.replace(/…\[clipped (\d+) bytes\]$/, "");
    expect(text.startsWith(kept)).toBe(true);
    expect(kept).not.toMatch(LONE_SURROGATE);
    const cut = Number(/\[clipped (\d+) bytes\]$/.exec(turn!.content)![1]);
    expect(Buffer.byteLength(kept) + cut).toBe(Buffer.byteLength(text));
    expect(bytes([turn!, answer!])).toBeLessThanOrEqual(bound);
    expect(bytes([turn!])).toBeGreaterThan(bound - 100); // the room is used, not wasted
  });

  it("a tool call too big to clip goes whole, leaving the note", () => {
    const m = new ThreadMemory({ maxBytesPerThread: 1_024 });
    m.append("t", "Alice", user("go"), {
      role: "assistant",
      content: "",
      toolCalls: [{ id: "c", name: "broadcast", arguments: JSON.stringify({ message: "z".repeat(5_000) }) }],
    });
    expect(m.history("t", "Alice")).toEqual([
      user("[memory: 2 earlier turns of this conversation were dropped to stay within 1024 bytes]"),
    ]);
  });

  it("forgets the least recently used conversations past maxTotalBytes", () => {
    const m = new ThreadMemory({ maxBytesPerThread: 2_048, maxTotalBytes: 5_000 });
    m.append("t1", "Alice", user("a".repeat(1_500)));
    m.append("t2", "Alice", user("b".repeat(1_500)));
    m.append("t3", "Alice", user("c".repeat(1_500)));
    m.history("t1", "Alice"); // t1 is now the most recently used; t2 the least
    m.append("t4", "Alice", user("d".repeat(1_500)));
    expect(m.history("t2", "Alice")).toEqual([]);
    expect(m.history("t1", "Alice")).toHaveLength(1);
    expect(m.history("t3", "Alice")).toHaveLength(1);
    expect(m.history("t4", "Alice")).toHaveLength(1);
    expect(m.bytes).toBe(3 * (1_500 + "user".length));
    expect(m.size).toBe(3);
  });

  it("forgets the least recently used conversations past maxThreads", () => {
    const m = new ThreadMemory({ maxThreads: 2 });
    m.append("t1", "Alice", user("1"));
    m.append("t1", "Bob", user("2"));
    m.history("t1", "Alice");
    m.append("t2", "Alice", user("3"));
    expect(m.size).toBe(2);
    expect(m.history("t1", "Bob")).toEqual([]);
    expect(m.history("t1", "Alice")).toEqual([user("1")]);
    expect(m.history("t2", "Alice")).toEqual([user("3")]);
  });

  it("keeps the total bounded under many huge conversations", () => {
    const m = new ThreadMemory({ maxBytesPerThread: 64 * 1024, maxTotalBytes: MB / 2 });
    const huge = "x".repeat(MB);
    for (let i = 0; i < 12; i++) m.append(`t${i}`, "Alice", user(huge), assistant(huge));
    expect(m.bytes).toBeLessThanOrEqual(MB / 2);
    expect(m.size).toBe(8);
    expect(m.history("t11", "Alice")).toHaveLength(2);
    expect(m.history("t0", "Alice")).toEqual([]);
  });

  it("refuses bounds it cannot keep", () => {
    expect(() => new ThreadMemory({ maxBytesPerThread: 100 })).toThrow(RangeError);
    expect(() => new ThreadMemory({ maxBytesPerThread: 4_096, maxTotalBytes: 1_000 })).toThrow(RangeError);
    expect(() => new ThreadMemory({ maxThreads: 0 })).toThrow(RangeError);
    expect(() => new ThreadMemory({ maxBytesPerThread: Number.NaN })).toThrow(RangeError);
  });
});
