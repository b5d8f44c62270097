// The store's bounds in bytes and in count: retention by bytes, streamed partials, task
// summaries, the registry's cap and the unread counters.
import { describe, expect, it } from "vitest";
import { compose, type AgentMessage } from "../protocol";
import { approxBytes } from "./bytes";
import {
  createDashboardStore,
  MAX_UNREAD,
  MAX_UNREAD_CHANNELS,
  MIN_RETENTION_BYTES,
  type Incoming,
} from "./dashboard-store";
import { MAX_AGENTS } from "./registry-book";
import { MAX_PARTIAL_CHARS, MAX_TASKS } from "./tasks";

const me = "you-test";
const at = (message: AgentMessage, subject = "agents.x"): Incoming => ({ subject, message });
const KB = 1024;
const text = (n: number) => "lorem ipsum ".repeat(Math.ceil(n / 12)).slice(0, n);
const meta = (name: string, status: "online" | "offline" = "online", heartbeatMs = 1_000) => ({
  name,
  description: "",
  capabilities: [],
  tools: [],
  status,
  runtime: "process" as const,
  startedAt: new Date().toISOString(),
  lastSeen: new Date().toISOString(),
  heartbeatMs,
});
const presence = (name: string, status: "online" | "offline" = "online", heartbeatMs = 1_000) =>
  at(compose("presence", name, { content: "", agent: meta(name, status, heartbeatMs) }));

describe("message sizes", () => {
  it("counts a message at about its text, plus a little per field", () => {
    const small = compose("announcement", "A", { content: "hi" });
    const big = compose(
      "announcement",
      "A",
      { content: text(100 * KB) },
      { metadata: { note: text(10 * KB) } },
    );
    expect(approxBytes(small)).toBeLessThan(600);
    expect(approxBytes(big)).toBeGreaterThan(110 * KB);
    expect(approxBytes(big)).toBeLessThan(110 * KB + 1_000);
  });
});

describe("retention in bytes", () => {
  it("drops the oldest messages past the byte budget and keeps the sum exact", () => {
    const store = createDashboardStore({ me, retention: 5_000, retentionBytes: MIN_RETENTION_BYTES });
    const sent: AgentMessage[] = [];
    for (let i = 0; i < 10; i++) {
      const m = compose("announcement", "A", { content: text(500 * KB) });
      sent.push(m);
      store.getState().ingest([at(m), at(compose("announcement", "B", { content: `small ${i}` }))], []);
    }
    const s = store.getState();
    expect(s.retainedBytes).toBeLessThanOrEqual(MIN_RETENTION_BYTES);
    expect(s.retainedBytes).toBe(s.messages.reduce((n, m) => n + m.bytes, 0));
    expect(s.messages.length).toBeGreaterThanOrEqual(6); // three or four big ones and the small ones after them
    expect(s.messages.length).toBeLessThan(10);
    expect(s.evicted + s.messages.length).toBe(20);
    expect(s.messages.at(-1)!.message.content).toBe("small 9");
    // Evicted ids are forgotten; retained ones are found.
    expect(s.findById(sent[0]!.id)).toBeUndefined();
    expect(s.findById(sent[9]!.id)?.message.id).toBe(sent[9]!.id);
  });

  it("keeps the newest message even when it alone is over the budget", () => {
    const store = createDashboardStore({ me, retention: 5_000, retentionBytes: MIN_RETENTION_BYTES });
    store.getState().ingest([at(compose("announcement", "A", { content: "before" }))], []);
    store
      .getState()
      .ingest([at(compose("announcement", "A", { content: text(MIN_RETENTION_BYTES + KB) }))], []);
    const s = store.getState();
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.message.content.length).toBe(MIN_RETENTION_BYTES + KB);
    expect(s.retainedBytes).toBe(s.messages[0]!.bytes);
  });

  it("subtracts what the count limit drops, and a lower budget applies at once", () => {
    const store = createDashboardStore({ me, retention: 100, retentionBytes: 64 * 2 ** 20 });
    for (let i = 0; i < 30; i++)
      store.getState().ingest(
        Array.from({ length: 10 }, () => at(compose("announcement", "A", { content: text(20 * KB) }))),
        [],
      );
    let s = store.getState();
    expect(s.messages).toHaveLength(100);
    expect(s.retainedBytes).toBe(s.messages.reduce((n, m) => n + m.bytes, 0));
    s.setRetention(100, MIN_RETENTION_BYTES);
    s = store.getState();
    expect(s.retainedBytes).toBeLessThanOrEqual(MIN_RETENTION_BYTES);
    expect(s.messages.length).toBeLessThan(100);
    expect(s.retainedBytes).toBe(s.messages.reduce((n, m) => n + m.bytes, 0));
  });
});

describe("tasks", () => {
  const request = compose("request", me, { to: "W", content: "q", replyTo: "r" });

  it("keeps only the tail of a streamed answer", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    const chunks = Array.from({ length: 100 }, (_, i) =>
      at(
        compose(
          "stream",
          "W",
          {
            to: me,
            content: `${String(i).padStart(3, "0")}${"x".repeat(997)}`,
            inReplyTo: request.id,
            seq: i,
          },
          { sameHopAs: request },
        ),
      ),
    );
    store.getState().ingest([at(request), ...chunks], []);
    const t = store.getState().tasks[request.id]!;
    expect(t.partial).toHaveLength(MAX_PARTIAL_CHARS);
    expect(t.partial.endsWith(`099${"x".repeat(997)}`)).toBe(true);
    expect(t.partialDropped).toBe(100_000 - MAX_PARTIAL_CHARS);
  });

  it("keeps a summary of the answer, not the answer", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    const answer = compose(
      "response",
      "W",
      { to: me, content: text(900 * KB), inReplyTo: request.id, status: "ok" },
      { sameHopAs: request },
    );
    store.getState().ingest([at(request), at(answer)], []);
    const final = store.getState().tasks[request.id]!.final!;
    expect(final).toMatchObject({ id: answer.id, from: "W", status: "ok" });
    expect(final.preview.length).toBeLessThanOrEqual(201);
    expect(approxBytes(final)).toBeLessThan(1_000);
  });

  it(`keeps at most ${MAX_TASKS} tasks, the newest`, () => {
    const store = createDashboardStore({ me, retention: 100 });
    const acks = Array.from({ length: MAX_TASKS + 10 }, (_, i) =>
      at(compose("ack", "W", { to: me, content: "", inReplyTo: `task-${i}` })),
    );
    store.getState().ingest(acks, []);
    const tasks = store.getState().tasks;
    expect(Object.keys(tasks)).toHaveLength(MAX_TASKS);
    expect(tasks["task-0"]).toBeUndefined();
    expect(tasks[`task-${MAX_TASKS + 9}`]?.acked).toBe(true);
  });
});

describe("registry", () => {
  const names = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `Agent-${String(i + from).padStart(5, "0")}`);

  it(`lists at most ${MAX_AGENTS} agents and counts the others`, () => {
    const store = createDashboardStore({ me, retention: 100 });
    store.getState().ingest(
      names(MAX_AGENTS + 5).map((n) => presence(n)),
      [],
    );
    let s = store.getState();
    expect(Object.keys(s.registry.agents)).toHaveLength(MAX_AGENTS);
    expect(s.unlistedAgents).toBe(5);
    expect(s.onlineCount).toBe(MAX_AGENTS);
    // A listed agent leaves: the next unlisted one heard takes its place.
    store.getState().ingest([presence("Agent-00000", "offline")], []);
    store.getState().ingest([presence(`Agent-${String(MAX_AGENTS).padStart(5, "0")}`)], []);
    s = store.getState();
    expect(s.registry.agents["Agent-00000"]).toBeUndefined();
    expect(Object.keys(s.registry.agents)).toHaveLength(MAX_AGENTS);
    expect(s.unlistedAgents).toBe(4);
    // Unlisted agents that say goodbye, or go silent, stop counting.
    store.getState().ingest([presence(`Agent-${String(MAX_AGENTS + 1).padStart(5, "0")}`, "offline")], []);
    expect(store.getState().unlistedAgents).toBe(3);
    store.getState().tick(Date.now() + 10_000);
    expect(store.getState().unlistedAgents).toBe(0);
  });

  it("rebuilds the roster only when agents come, go or change status", () => {
    const store = createDashboardStore({ me, retention: 100 });
    store.getState().ingest(
      ["Zed", "alpha", "Mid"].map((n) => presence(n)),
      [],
    );
    const roster = store.getState().roster;
    expect(roster.map((e) => e.agent.name)).toEqual(["alpha", "Mid", "Zed"]);
    const beat = (n: string) => at(compose("heartbeat", n, { content: "", agent: meta(n) }));
    store.getState().ingest([beat("Zed"), beat("alpha")], []);
    expect(store.getState().roster).toBe(roster);
    expect(store.getState().registry).not.toBe(undefined);
    store.getState().ingest([presence("alpha", "offline")], []);
    expect(store.getState().roster.map((e) => `${e.agent.name}:${e.status}`)).toEqual([
      "Mid:online",
      "Zed:online",
      "alpha:offline",
    ]);
    expect(store.getState().onlineCount).toBe(2);
  });

  it("keeps trimmed descriptions in the registry and the whole announcement in the list", () => {
    const store = createDashboardStore({ me, retention: 100 });
    const agent = {
      ...meta("Wordy"),
      description: "d".repeat(2_000),
      capabilities: Array.from({ length: 64 }, (_, i) => `cap-${i}`),
      tools: Array.from({ length: 64 }, (_, i) => ({ name: `tool_${i}`, description: "t".repeat(1_000) })),
    };
    store.getState().ingest([at(compose("presence", "Wordy", { content: "", agent }))], []);
    const s = store.getState();
    const kept = s.registry.agents.Wordy!.agent;
    expect(kept.description.length).toBeLessThanOrEqual(1_000);
    expect(kept.capabilities.length).toBeLessThanOrEqual(32);
    expect(kept.tools.length).toBeLessThanOrEqual(16);
    expect(approxBytes(kept)).toBeLessThan(8 * KB);
    const listed = s.messages[0]!.message;
    expect(listed.type === "presence" && listed.agent.description.length).toBe(2_000);
  });
});

describe("unread counters", () => {
  it(`count at most ${MAX_UNREAD_CHANNELS} channels`, () => {
    const store = createDashboardStore({ me, retention: 100 });
    const batch = Array.from({ length: MAX_UNREAD_CHANNELS + 500 }, (_, i) =>
      at(compose("direct", "Sender", { to: `Target-${i}`, content: "x" })),
    );
    store.getState().ingest(batch, []);
    expect(Object.keys(store.getState().unread).length).toBeLessThanOrEqual(MAX_UNREAD_CHANNELS);
  });

  it(`stop at ${MAX_UNREAD}`, () => {
    const store = createDashboardStore({ me, retention: 100 });
    const one = compose("announcement", "Loud", { content: "x" });
    // Distinct ids: the store keeps a message once, so copies of one would count once.
    for (let i = 0; i < 11; i++)
      store.getState().ingest(
        Array.from({ length: 10_000 }, (_, j) => at({ ...one, id: `loud${i}x${j}` })),
        [],
      );
    expect(store.getState().unread.raw).toBe(MAX_UNREAD);
  });
});
