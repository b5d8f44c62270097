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

  it("builds the seed's subjects under the default root, each naming its sender", () => {
    expect(s.all("Herald")).toBe("agents.all.Herald");
    expect(s.direct("Weather-Bot", "you-abc123")).toBe("agents.direct.Weather-Bot.you-abc123");
    expect(s.request("Weather-Bot", "Task-Coordinator")).toBe("agents.request.Weather-Bot.Task-Coordinator");
    expect(s.response("Task-Coordinator", "abc123", "Weather-Bot")).toBe(
      "agents.response.Task-Coordinator.abc123.Weather-Bot",
    );
    expect(s.handoff("Task-Coordinator", "Weather-Bot")).toBe(
      "agents.handoff.Task-Coordinator.to.Weather-Bot",
    );
    expect(s.presence("a", "process")).toBe("agents.presence.a.process");
    expect(s.heartbeat("a", "browser")).toBe("agents.heartbeat.a.browser");
    expect(s.cancel("a", "b")).toBe("agents.cancel.a.b");
    expect(s.discover("a")).toBe("agents.discover.a");
    expect(s.wildcards.handoffsTo("b")).toBe("agents.handoff.*.to.b");
    expect(s.wildcards.responsesFor("b")).toBe("agents.response.b.*.*");
    expect(s.wildcards.presence).toBe("agents.presence.*.*");
  });

  it("uses a configured root, even a multi-token one", () => {
    const t = subjects("team1.agents");
    expect(t.direct("x", "y")).toBe("team1.agents.direct.x.y");
    expect(t.parse("team1.agents.handoff.a.to.b")).toEqual({ kind: "handoff", from: "a", to: "b" });
    expect(t.parse("agents.direct.x.y")).toBeNull();
  });

  it.each(["a.b", "*", ">", "a b", ""])("refuses to build a subject with name %j", (bad) => {
    expect(() => s.direct(bad, "ok")).toThrow(InvalidNameError);
    expect(() => s.direct("ok", bad)).toThrow(InvalidNameError);
    expect(() => s.handoff(bad, "ok")).toThrow(InvalidNameError);
    expect(() => s.response(bad, "id", "ok")).toThrow(InvalidNameError);
    expect(() => s.response("ok", "id", bad)).toThrow(InvalidNameError);
  });

  it("refuses a message id that is not a token, and a runtime that is not one", () => {
    expect(() => s.response("a", "x.y", "b")).toThrow(/message id/);
    expect(() => s.presence("a", "cloud" as never)).toThrow(/runtime/);
  });

  it.each(["agents.>", "a..b", "", "a.*", "a b"])("refuses root %j", (root) => {
    expect(() => subjects(root)).toThrow(InvalidNameError);
  });

  it("parses its own subjects, always with the sender, and nothing else", () => {
    expect(s.parse("agents.response.a.id1.b")).toEqual({ kind: "response", to: "a", id: "id1", from: "b" });
    expect(s.parse("agents.direct.a.b")).toEqual({ kind: "direct", to: "a", from: "b" });
    expect(s.parse("agents.all.a")).toEqual({ kind: "all", from: "a" });
    expect(s.parse(s.live("a", "b"))).toEqual({ kind: "live", to: "a", from: "b" });
    expect(s.parse(s.taken("a"))).toEqual({ kind: "taken", from: "a" });
    expect(s.parse("agents.taken.a.b")).toBeNull();
    expect(s.parse("agents.presence.a.server")).toEqual({ kind: "presence", from: "a", runtime: "server" });
    expect(s.parse("agents.presence.a.cloud")).toBeNull();
    expect(s.parse("agents.all")).toBeNull();
    expect(s.parse("agents.direct.a")).toBeNull();
    expect(s.parse("agents.direct.a.b.extra")).toBeNull();
    expect(s.parse("agents.response.a.id1")).toBeNull();
    expect(s.parse("agents.handoff.a.from.b")).toBeNull();
    expect(s.parse("agentsX.all.a")).toBeNull();
    expect(s.parse("agents.direct..b")).toBeNull(); // empty tokens
    expect(s.parse("agents.all.")).toBeNull();
    expect(s.parse("agents.response.a.id.b.c")).toBeNull(); // one token too many
    expect(s.parse("agents.")).toBeNull();
  });
});
