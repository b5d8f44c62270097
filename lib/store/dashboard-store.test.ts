import { describe, expect, it } from "vitest";
import { compose, type AgentMessage } from "../protocol";
import { dm } from "./channels";
import {
  createDashboardStore,
  threadMessages,
  visibleMessages,
  visibleRows,
  type Incoming,
} from "./dashboard-store";

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

describe("a thread stopped", () => {
  it("lists the stop in #all and its thread, and ends each task answered canceled as canceled", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    const req = compose("request", me, { to: "Slow-Bot", content: "take your time", replyTo: "r" });
    const stop = compose("stop", me, { content: "enough" }, { threadId: req.threadId });
    const canceled = compose(
      "response",
      "Slow-Bot",
      {
        to: me,
        content: "",
        inReplyTo: req.id,
        status: "canceled",
        error: { code: "canceled", message: "thread stopped" },
      },
      { sameHopAs: req },
    );
    store.getState().ingest([at(req), at(stop, `agents.stop.${me}`)], []);
    const s = store.getState();
    expect(s.messages.map((m) => [m.message.type, m.channels])).toEqual([
      ["request", ["requests", "raw", dm("Slow-Bot")]],
      ["stop", ["all", "raw"]],
    ]);
    expect(s.tasks[req.id]?.final).toBeUndefined(); // a stop cancels nothing by itself: the answer does
    store.getState().ingest([at(canceled)], []);
    expect(store.getState().tasks[req.id]?.final).toMatchObject({
      from: "Slow-Bot",
      status: "canceled",
      error: { code: "canceled" },
    });
    expect(threadMessages(store.getState(), req.threadId).map((m) => m.message.type)).toEqual([
      "request",
      "stop",
      "response",
    ]);
  });
});

describe("history in the store", () => {
  const logged = (message: AgentMessage, logSeq: number, subject = "agents.x") => ({
    subject,
    message,
    logSeq,
    storedAt: Date.now(),
  });
  const contents = (store: ReturnType<typeof createDashboardStore>) =>
    store.getState().messages.map((m) => m.message.content);

  it("keeps each message once, whichever way it came first (live, history, a copy sent again)", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    const [a, b, c] = ["a", "b", "c"].map((content) => compose("announcement", "A", { content }));
    store.getState().ingest([at(b!), at(c!), at(c!)], []); // c sent again by an outbox
    store.getState().ingestLog({ kind: "older", entries: [logged(a!, 1), logged(b!, 2)], atStart: true }, []);
    expect(contents(store)).toEqual(["a", "b", "c"]);
    expect(store.getState().duplicates).toBe(2);
    expect(store.getState().history).toMatchObject({ atStart: true, loaded: 1 });
    expect(store.getState().unread.raw).toBe(2); // history is not news
  });

  it("puts what a drop missed where the connection was lost, with a marker counting it per channel", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    const m = (content: string) => compose("announcement", "A", { content });
    const [before, missed1, missed2, after] = [m("before"), m("missed 1"), m("missed 2"), m("after")];
    const st = () => store.getState();
    st().setConnection("connected");
    st().ingest([at(before)], []);
    st().setConnection("reconnecting");
    st().setConnection("connected");
    st().ingest([at(after), at(missed2)], []); // live again; one missed message arrives again live
    st().ingestLog(
      {
        kind: "resume",
        entries: [logged(before, 5), logged(missed1, 6), logged(missed2, 7), logged(after, 8)],
        lostAt: 1_000,
        resumedAt: 2_000,
        skipped: 0,
      },
      [],
    );
    expect(contents(store)).toEqual(["before", "missed 1", "after", "missed 2"]);
    const rows = visibleRows({ ...st(), channel: "all" });
    expect(
      rows.map((r) => (r.kind === "marker" ? `marker ${r.marker.recovered.all}` : r.stored.message.content)),
    ).toEqual(["before", "marker 1", "missed 1", "after", "missed 2"]);
    expect(visibleRows({ ...st(), channel: "heartbeats" })).toEqual([]);
  });

  it("does not let an older page push retention past its bound: it says the page is full", () => {
    const store = createDashboardStore({ me, retention: 100 });
    const live = Array.from({ length: 80 }, (_, i) =>
      at(compose("announcement", "A", { content: `live ${i}` })),
    );
    store.getState().ingest(live, []);
    const older = Array.from({ length: 50 }, (_, i) =>
      logged(compose("announcement", "A", { content: `old ${i}` }), i + 1),
    );
    store.getState().ingestLog({ kind: "older", entries: older, atStart: false }, []);
    const s = store.getState();
    expect(s.messages).toHaveLength(100);
    expect(s.messages[0]!.message.content).toBe("old 30");
    expect(s.messages.at(-1)!.message.content).toBe("live 79");
    expect(s.history.full).toBe(true);
  });

  it("counts bad bytes from the log like live ones", () => {
    const store = createDashboardStore({ me, retention: 1_000 });
    store.getState().ingestLog({ kind: "older", entries: [], atStart: false }, ["spoofed", "misrouted"]);
    expect(store.getState().rejected).toEqual({ spoofed: 1, misrouted: 1 });
  });
});
