import { describe, expect, it } from "vitest";
import type { Turn } from "../lib/store/timeline";
import { compact, duration, statusText, turnFigures, turnLabel, usageLabel, usageText, usd } from "./figures";

const turn = (over: Partial<Turn> = {}): Turn => ({
  key: "t1",
  agent: "Weather-Bot",
  asker: "Task-Coordinator",
  kind: "handoff",
  taskId: "t1",
  hops: 1,
  startMs: 1_000,
  endMs: 2_300,
  status: "done",
  run: {
    startedAt: "2026-11-30T12:00:00.000Z",
    ms: 1_250,
    modelCalls: 2,
    tokens: { in: 1_234, out: 56, estimated: true },
    tools: ["get_weather", "get_weather", "calculate"],
    delegatedTo: [],
    spent: { modelCalls: 2, tokens: 1_290 },
    left: { modelCalls: 18, tokens: 48_710, wallMs: 58_750 },
  },
  ...over,
});

describe("figures", () => {
  it("reads durations, counts and dollars at a glance", () => {
    expect([0, 850, 1_000, 1_290, 9_999, 14_400, 125_000, 3_600_000, 3_780_000].map(duration)).toEqual([
      "0 ms",
      "850 ms",
      "1.0 s",
      "1.2 s",
      "9.9 s",
      "14 s",
      "2 min 5 s",
      "1 h",
      "1 h 3 min",
    ]);
    expect([0, 999, 1_000, 1_250, 34_560, 345_600, 1_200_000, 7e9].map(compact)).toEqual([
      "0",
      "999",
      "1k",
      "1.2k",
      "34.5k",
      "345k",
      "1.2M",
      "7G",
    ]);
    expect([0, 0.00123, 0.02, 12.345, 4_321.9].map(usd)).toEqual([
      "$0",
      "$0.0012",
      "$0.02",
      "$12.35",
      "$4322",
    ]);
  });

  it("says an agent's usage over its window, marking estimates", () => {
    const u = { windowMs: 3_600_000, modelCalls: 12, tokensIn: 30_000, tokensOut: 4_500, estimated: false };
    expect(usageText(u)).toBe("12 calls · 34.5k tok /1h");
    expect(usageText({ ...u, modelCalls: 1, estimated: true, costUsd: 0.02 })).toBe(
      "1 call · ~34.5k tok · $0.02 /1h",
    );
    expect(usageLabel({ ...u, estimated: true })).toBe(
      "12 model calls, 30k tokens in, 4.5k out (estimated) in the last 1h",
    );
  });

  it("lists a turn's figures: calls, tokens (~ when estimated), tools once each, what is left", () => {
    expect(turnFigures(turn())).toEqual([
      "2 calls",
      "~1.2k in / ~56 out tok",
      "tools get_weather ×2, calculate",
      "left 18 calls · 48.7k tok · 58 s",
    ]);
    const r = turn().run!;
    const exact = turnFigures(
      turn({
        run: {
          ...r,
          tokens: { ...r.tokens, estimated: false },
          costUsd: 0.004,
          delegatedTo: ["A", "B", "C", "D"],
        },
      }),
    );
    expect(exact).toContain("1.2k in / 56 out tok");
    expect(exact).toContain("$0.004");
    expect(exact).toContain("→ A, B, C +1 more");
    expect(turnFigures(turn({ run: null }))).toEqual([]);
  });

  it("names a turn's status with its code, and the dimension a budget ran out of", () => {
    const error = { code: "llm_timeout", message: "" };
    expect(statusText(turn({ status: "error", error }))).toBe("error (llm_timeout)");
    expect(statusText(turn({ status: "canceled" }))).toBe("canceled");
    const r = turn().run!;
    expect(statusText(turn({ status: "budget_exceeded", run: { ...r, exceeded: "wallMs" } }))).toBe(
      "budget exceeded (time)",
    );
    expect(statusText(turn({ status: "budget_exceeded", run: null }))).toBe("budget exceeded");
  });

  it("puts the whole turn in one label, with names from the bus bounded and revealed", () => {
    const label = turnLabel(turn(), 1_300, 400);
    expect(label).toBe(
      "Weather-Bot: done; started 400 ms into the thread; took 1.3 s; asked by Task-Coordinator (handoff); " +
        "2 model calls; 1.2k tokens in, 56 out (estimated); tools get_weather ×2, calculate; " +
        "budget left: 18 model calls, 48.7k tokens, 58 s",
    );
    const hostile = turnLabel(
      turn({
        agent: "Evil\u202Egnp.exe",
        status: "error",
        error: { code: "x".repeat(500), message: "" },
        endMs: null,
      }),
      5_000,
      0,
    );
    expect(hostile).toContain("Evil‹U+202E›gnp.exe: error (");
    expect(hostile).toContain("for 5.0 s");
    expect(hostile.length).toBeLessThan(400);
  });
});
