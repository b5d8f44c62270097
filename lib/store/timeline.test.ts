import { describe, expect, it } from "vitest";
import { compose, type AgentMessage, type RunReport } from "../protocol";
import { MAX_TURNS, placement, threadTimeline } from "./timeline";

const me = "you-abc123";
const T0 = Date.parse("2026-11-30T12:00:00.000Z");
/** `m` as sent `ms` after T0. */
const at = <M extends AgentMessage>(m: M, ms: number): M => ({
  ...m,
  timestamp: new Date(T0 + ms).toISOString(),
});

function report(over: Partial<RunReport> = {}): RunReport {
  return {
    startedAt: new Date(T0).toISOString(),
    ms: 900,
    modelCalls: 2,
    tokens: { in: 1_200, out: 340, estimated: true },
    tools: ["get_weather"],
    delegatedTo: [],
    spent: { modelCalls: 2, tokens: 1_540 },
    left: { modelCalls: 18, tokens: 48_460, wallMs: 59_100 },
    ...over,
  };
}

function answer(
  task: AgentMessage & { to: string },
  ms: number,
  o: { status?: "ok" | "error" | "canceled"; code?: string; run?: unknown; from?: string } = {},
) {
  const status = o.status ?? "ok";
  return at(
    compose(
      "response",
      o.from ?? task.to,
      {
        to: task.from,
        content: `answer from ${o.from ?? task.to}`,
        inReplyTo: task.id,
        status,
        ...(o.code === undefined ? {} : { error: { code: o.code, message: `${o.code} happened` } }),
      },
      { sameHopAs: task, metadata: o.run === undefined ? {} : { run: o.run as never } },
    ),
    ms,
  );
}

/** A person asks Task-Coordinator, who hands the work to Weather-Bot and answers with its forecast. */
function delegation() {
  const ask = at(
    compose("request", me, { to: "Task-Coordinator", content: "weather in Oslo?", replyTo: "r" }),
    0,
  );
  const ack = at(
    compose("ack", "Task-Coordinator", { to: me, content: "", inReplyTo: ask.id }, { sameHopAs: ask }),
    60,
  );
  const hand = at(
    compose(
      "handoff",
      "Task-Coordinator",
      {
        to: "Weather-Bot",
        content: "",
        handoff: { task: "weather in Oslo?", progress: "", reason: "", data: {} },
      },
      { cause: ask },
    ),
    400,
  );
  const forecast = answer(hand, 1_600, { run: report() });
  const final = answer(ask, 1_700, {
    run: report({
      modelCalls: 1,
      tools: [],
      delegatedTo: ["Weather-Bot"],
      tokens: { in: 500, out: 20, estimated: false },
    }),
  });
  return { ask, ack, hand, forecast, final };
}

describe("threadTimeline", () => {
  it("makes one turn per task, nested in time, with the figures each answer reported", () => {
    const d = delegation();
    const tl = threadTimeline([d.ask, d.ack, d.hand, d.forecast, d.final], me, T0 + 60_000);
    expect(tl.startMs).toBe(T0);
    expect(tl.endMs).toBe(T0 + 1_700); // the last message: nothing runs
    expect(tl.running).toBe(false);
    expect(
      tl.turns.map((t) => [t.agent, t.asker, t.kind, t.status, t.startMs - T0, t.endMs! - T0, t.hops]),
    ).toEqual([
      ["Task-Coordinator", me, "request", "done", 0, 1_700, 0],
      ["Weather-Bot", "Task-Coordinator", "handoff", "done", 400, 1_600, 1],
    ]);
    expect(tl.turns[0]!.run).toMatchObject({
      modelCalls: 1,
      delegatedTo: ["Weather-Bot"],
      tokens: { estimated: false },
    });
    expect(tl.turns[1]!.run).toMatchObject({
      modelCalls: 2,
      tools: ["get_weather"],
      tokens: { in: 1_200, estimated: true },
    });
  });

  it("lets a turn with no answer run until now: running once heard from, waiting before", () => {
    const d = delegation();
    const now = T0 + 5_000;
    // No answers yet: the coordinator acked (running); Weather-Bot has said nothing (waiting).
    const tl = threadTimeline([d.ask, d.ack, d.hand], me, now);
    expect(tl.running).toBe(true);
    expect(tl.endMs).toBe(now);
    expect(tl.turns.map((t) => [t.agent, t.status, t.endMs])).toEqual([
      ["Task-Coordinator", "running", null],
      ["Weather-Bot", "waiting", null],
    ]);
    // Without the ack, the coordinator is running all the same: it sent the handoff since.
    expect(threadTimeline([d.ask, d.hand], me, now).turns[0]!.status).toBe("running");
    expect(threadTimeline([d.ask], me, now).turns[0]!.status).toBe("waiting");
    const bar = placement(tl.turns[1]!, tl, now);
    expect(bar.left).toBeCloseTo(8); // 400 of 5,000 ms
    expect(bar.width).toBeCloseTo(92);
    expect(bar.ms).toBe(4_600);
  });

  it("gives a broadcast one turn per agent that answered, whatever order the answers are listed in", () => {
    const b = at(compose("announcement", me, { content: "who knows the weather?" }), 0);
    const fromWeather = answer({ ...b, to: "Weather-Bot" }, 300, { run: report() });
    const fromHelper = answer({ ...b, to: "General-Assistant" }, 900);
    const again = answer({ ...b, to: "Weather-Bot" }, 950); // a second answer from one agent: the first counts
    const tl = threadTimeline([fromHelper, b, fromWeather, again], me, T0 + 10_000);
    expect(tl.turns.map((t) => [t.agent, t.kind, t.endMs! - T0])).toEqual([
      ["Weather-Bot", "announcement", 300],
      ["General-Assistant", "announcement", 900],
    ]);
    expect(new Set(tl.turns.map((t) => t.key)).size).toBe(2);
    expect(tl.turns[1]!.run).toBeNull();
  });

  it("tells errors, cancels and a budget running out apart, with the code", () => {
    const tasks = ["A", "B", "C"].map((to, i) =>
      at(compose("request", me, { to: `Agent-${to}`, content: "go", replyTo: "r" }), i),
    );
    const tl = threadTimeline(
      [
        ...tasks,
        answer(tasks[0]!, 100, { status: "error", code: "llm_timeout" }),
        answer(tasks[1]!, 100, { status: "canceled", code: "canceled" }),
        answer(tasks[2]!, 100, {
          status: "error",
          code: "budget_exceeded",
          run: report({ exceeded: "tokens" }),
        }),
      ],
      me,
      T0,
    );
    expect(tl.turns.map((t) => [t.agent, t.status, t.error?.code])).toEqual([
      ["Agent-A", "error", "llm_timeout"],
      ["Agent-B", "canceled", "canceled"],
      ["Agent-C", "budget_exceeded", "budget_exceeded"],
    ]);
    expect(tl.turns[2]!.run?.exceeded).toBe("tokens");
  });

  it("shows no figures for a malformed report, and keeps none of a report's unknown fields", () => {
    const task = at(compose("request", me, { to: "Liar", content: "go", replyTo: "r" }), 0);
    const bad = [
      { modelCalls: -1 },
      "lots",
      { ...report(), tokens: { in: "many", out: 1 } },
      { ...report(), delegatedTo: ["not a name!"] },
      { ...report(), tools: ["x".repeat(65)] },
      { ...report(), costUsd: Number.NaN },
    ];
    for (const run of bad) {
      const tl = threadTimeline([task, answer(task, 50, { run })], me, T0);
      expect(tl.turns[0]!.status, JSON.stringify(run)).toBe("done");
      expect(tl.turns[0]!.run, JSON.stringify(run)).toBeNull();
    }
    const extra = threadTimeline(
      [task, answer(task, 50, { run: { ...report(), script: "<img onerror>" } })],
      me,
      T0,
    );
    expect(extra.turns[0]!.run).not.toHaveProperty("script");
  });

  it("counts only the answer of the agent asked, and leaves out tasks sent to the page's person", () => {
    const task = at(compose("request", me, { to: "Honest", content: "go", replyTo: "r" }), 0);
    const forged = answer(task, 10, { from: "Mallory" });
    const toMe = at(compose("direct", "Honest", { to: me, content: "fyi" }), 20);
    const tl = threadTimeline([task, forged, toMe], me, T0 + 1_000);
    expect(tl.turns).toHaveLength(1);
    expect(tl.turns[0]).toMatchObject({ agent: "Honest", status: "running", endMs: null });
  });

  it("lists who stopped the thread and when; an answer stamped before its task ends where it starts", () => {
    const task = at(compose("request", me, { to: "Skewed", content: "go", replyTo: "r" }), 500);
    const early = answer(task, 200, { status: "canceled", code: "canceled" });
    const stop = at(compose("stop", me, { content: "enough" }, { threadId: task.threadId }), 450);
    const tl = threadTimeline([task, stop, early], me, T0 + 9_000);
    expect(tl.stops).toEqual([{ id: stop.id, from: me, atMs: T0 + 450, reason: "enough" }]);
    expect(tl.turns[0]!.endMs).toBe(tl.turns[0]!.startMs);
    expect(tl.startMs).toBe(T0 + 200);
    expect(placement(tl.turns[0]!, tl, T0 + 9_000).width).toBe(0);
  });

  it(`draws at most ${MAX_TURNS} turns and counts the rest`, () => {
    const b = at(compose("announcement", me, { content: "everyone?" }), 0);
    const answers = Array.from({ length: MAX_TURNS + 5 }, (_, i) =>
      answer({ ...b, to: `Agent-${i}` }, i + 1),
    );
    const tl = threadTimeline([b, ...answers], me, T0);
    expect(tl.turns).toHaveLength(MAX_TURNS);
    expect(tl.omitted).toBe(5);
  });

  it("is an empty axis for an empty thread", () => {
    const tl = threadTimeline([], me, T0);
    expect(tl).toMatchObject({ startMs: T0, endMs: T0, turns: [], running: false, omitted: 0 });
  });
});
