import { describe, expect, it } from "vitest";
import { InvalidNameError, nameProblem, subjects } from ".";

describe("agent names", () => {
  it.each(["Weather-Bot", "a", "agent_7", "X".repeat(64), "9lives"])("accepts %j", (name) => {
    expect(nameProblem(name)).toBeNull();
  });

  it.each([
    ["", "empty"],
    ["a.b", 'contains "."'],
    ["a*", "wildcard"],
    ["a>", "wildcard"],
    ["a b", "whitespace"],
    ["a\tb", "whitespace"],
    ["a\u0000b", "control character"],
    ["-lead", "must start with a letter or digit"],
    ["aé", "may only contain"],
    ["X".repeat(65), "longer than 64"],
  ])("refuses %j (%s)", (name, why) => {
    expect(nameProblem(name)).toContain(why);
  });

  it("never echoes control characters into the error", () => {
    expect(nameProblem("a\u0007b")).toContain("\\u0007");
  });
});

describe("subjects", () => {
  const s = subjects();

  it("builds the seed's subjects under the default root", () => {
    expect(s.all()).toBe("agents.all");
    expect(s.direct("Weather-Bot")).toBe("agents.direct.Weather-Bot");
    expect(s.request("Weather-Bot")).toBe("agents.request.Weather-Bot");
    expect(s.response("Task-Coordinator", "abc123")).toBe("agents.response.Task-Coordinator.abc123");
    expect(s.handoff("Task-Coordinator", "Weather-Bot")).toBe(
      "agents.handoff.Task-Coordinator.to.Weather-Bot",
    );
    expect(s.presence("a")).toBe("agents.presence.a");
    expect(s.heartbeat("a")).toBe("agents.heartbeat.a");
    expect(s.discover()).toBe("agents.discover");
    expect(s.wildcards.handoffsTo("b")).toBe("agents.handoff.*.to.b");
  });

  it("uses a configured root, even a multi-token one", () => {
    const t = subjects("team1.agents");
    expect(t.direct("x")).toBe("team1.agents.direct.x");
    expect(t.parse("team1.agents.handoff.a.to.b")).toEqual({ kind: "handoff", from: "a", to: "b" });
    expect(t.parse("agents.direct.x")).toBeNull();
  });

  it.each(["a.b", "*", ">", "a b", ""])("refuses to build a subject with name %j", (bad) => {
    expect(() => s.direct(bad)).toThrow(InvalidNameError);
    expect(() => s.handoff(bad, "ok")).toThrow(InvalidNameError);
    expect(() => s.response(bad, "id")).toThrow(InvalidNameError);
  });

  it("refuses a message id that is not a token", () => {
    expect(() => s.response("a", "x.y")).toThrow(/message id/);
  });

  it.each(["agents.>", "a..b", "", "a.*", "a b"])("refuses root %j", (root) => {
    expect(() => subjects(root)).toThrow(InvalidNameError);
  });

  it("parses its own subjects and nothing else", () => {
    expect(s.parse("agents.response.a.id1")).toEqual({ kind: "response", name: "a", id: "id1" });
    expect(s.parse("agents.direct.a")).toEqual({ kind: "direct", name: "a" });
    expect(s.parse("agents.all")).toEqual({ kind: "all" });
    expect(s.parse("agents.direct.a.extra")).toBeNull();
    expect(s.parse("agents.handoff.a.from.b")).toBeNull();
    expect(s.parse("agentsX.all")).toBeNull();
  });
});
