import { describe, expect, it } from "vitest";
import { compose, type AgentMessage } from "../protocol";
import { dm } from "./channels";
import { createDashboardStore, threadMessages, visibleMessages, type Incoming } from "./dashboard-store";

const me = "you-test";
const at = (message: AgentMessage, subject = "agents.x"): Incoming => ({ subject, message });
const meta = (name: string) => ({
  name,
  description: "",
  capabilities: [],
  tools: [],
  status: "online" as const,
  runtime: "process" as const,
  startedAt: new Date().toISOString(),
  lastSeen: new Date().toISOString(),
  heartbeatMs: 1_000,
});

describe("dashboard store", () => {
  it("places messages in their channels and counts unread outside the open one", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    const req = compose("request", me, { to: "Weather-Bot", content: "weather?", replyTo: "r" });
    const res = compose(
      "response",
      "Weather-Bot",
      { to: me, content: "sunny", inReplyTo: req.id, status: "ok" },
      { sameHopAs: req },
    );
    const b = compose("announcement", "Herald", { content: "hi all" });
    const beat = compose("heartbeat", "Herald", { content: "", agent: meta("Herald") });
    store.getState().ingest([at(req), at(res), at(b), at(beat)], []);
    const s = store.getState();
    expect(s.messages.map((m) => m.channels)).toEqual([
      ["requests", "raw", dm("Weather-Bot")],
      ["requests", "raw", dm("Weather-Bot")],
      ["all", "raw", dm("Herald")],
      ["heartbeats"],
    ]);
    expect(s.unread).toMatchObject({ requests: 2, raw: 3, "dm:Weather-Bot": 2, "dm:Herald": 1 });
    expect(s.unread.all).toBeUndefined(); // "all" is open
    expect(s.unread.heartbeats).toBeUndefined(); // heartbeats never count as unread
    expect(s.registry.agents.Herald?.status).toBe("online");
    expect(s.tasks[req.id]?.final).toMatchObject({ from: "Weather-Bot", status: "ok", preview: "sunny" });
    store.getState().openChannel("requests");
    expect(store.getState().unread.requests).toBe(0);
  });

  it("grows a streamed answer on its task without listing the chunks", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    const req = compose("request", me, { to: "W", content: "q", replyTo: "r" });
    const chunk = (content: string, seq: number) =>
      compose("stream", "W", { to: me, content, inReplyTo: req.id, seq }, { sameHopAs: req });
    store.getState().ingest([at(req), at(chunk("one ", 0)), at(chunk("two", 1))], []);
    expect(store.getState().tasks[req.id]?.partial).toBe("one two");
    expect(store.getState().messages).toHaveLength(1);
  });

  it("keeps at most `retention` messages, dropping the oldest", () => {
    const store = createDashboardStore({ me, retention: 100 });
    for (let i = 0; i < 5; i++) {
      store.getState().ingest(
        Array.from({ length: 50 }, (_, j) => at(compose("announcement", "A", { content: `m${i * 50 + j}` }))),
        [],
      );
    }
    const s = store.getState();
    expect(s.messages).toHaveLength(100);
    expect(s.messages[0]!.message.content).toBe("m150");
    expect(s.evicted).toBe(150);
    expect(s.received).toBe(250);
  });

  it("filters by agent, type, priority and text, and gathers a thread", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    const a = compose("announcement", "A", { content: "Storm warning" }, { priority: 5 });
    const b = compose("announcement", "B", { content: "lunch?" });
    const r = compose(
      "response",
      "B",
      { to: "A", content: "noted", inReplyTo: a.id, status: "ok" },
      { sameHopAs: a },
    );
    store.getState().ingest([at(a), at(b), at(r)], ["malformed_json"]);
    const base = { messages: store.getState().messages, channel: "all" as const };
    const f = (x: Partial<{ agent: string; type: string; priority: string; text: string }>) =>
      visibleMessages({ ...base, filters: { agent: "", type: "", priority: "", text: "", ...x } }).map(
        (m) => m.message.content,
      );
    expect(f({})).toEqual(["Storm warning", "lunch?", "noted"]);
    expect(f({ agent: "B" })).toEqual(["lunch?", "noted"]);
    expect(f({ type: "response" })).toEqual(["noted"]);
    expect(f({ priority: "4" })).toEqual(["Storm warning"]);
    expect(f({ text: "STORM" })).toEqual(["Storm warning"]);
    expect(threadMessages(store.getState(), a.threadId).map((m) => m.message.content)).toEqual([
      "Storm warning",
      "noted",
    ]);
    expect(store.getState().rejected).toEqual({ malformed_json: 1 });
  });
});
