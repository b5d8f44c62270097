import { describe, expect, it } from "vitest";
import { newId } from "../../lib/protocol";
import { UsageError } from "./common";
import { threadRef } from "./history";
import { idTime, parseTime } from "./log-source";
import { subjectFilter } from "./search";

describe("parseTime", () => {
  const now = Date.parse("2026-11-30T12:00:00Z");
  it.each([
    ["90s", now - 90_000],
    ["10m", now - 600_000],
    ["2h", now - 7_200_000],
    ["3d", now - 3 * 86_400_000],
    ["1w", now - 604_800_000],
    ["2026-11-30T10:00:00Z", Date.parse("2026-11-30T10:00:00Z")],
    ["2026-11-29", Date.parse("2026-11-29")],
  ])("%s", (text, want) => expect(parseTime(text, "since", "tail", now)).toBe(want));

  it.each(["", "10", "10 minutes", "yesterday", "-5m", "2026-13-45", "1y"])("refuses %j", (text) => {
    expect(() => parseTime(text, "since", "tail", now)).toThrow(UsageError);
  });
});

describe("thread ids", () => {
  it("reads the time in a whole id, and nothing from anything else", () => {
    const t = Date.parse("2026-11-30T12:00:00Z");
    expect(idTime(newId(t))).toBe(t);
    expect(idTime("short")).toBeUndefined();
    expect(idTime(`${newId(t)}x`)).toBeUndefined();
    expect(idTime("ZZZZZZZZ00000000000000")).toBeUndefined(); // the time part is lower-case base 36
  });

  it("takes a whole id or its end, and refuses the rest", () => {
    const id = newId();
    expect(threadRef(id, "history")).toMatchObject({ id, partial: false });
    expect(threadRef(id, "history").matches(id)).toBe(true);
    const end = threadRef(id.slice(-6), "history");
    expect(end.partial).toBe(true);
    expect(end.matches(id)).toBe(true);
    expect(end.matches(newId())).toBe(false);
    for (const bad of [undefined, "", "abc", "a.b.c.d.e.f", "agents.>", "x".repeat(30)])
      expect(() => threadRef(bad, "history")).toThrow(UsageError);
  });
});

describe("search's subject filter", () => {
  it("narrows to one kind of subject, with the sender where the kind puts it", () => {
    expect(subjectFilter("agents", ["direct"], "Bob")).toBe("agents.direct.*.Bob");
    expect(subjectFilter("agents", ["direct"])).toBe("agents.direct.>");
    expect(subjectFilter("agents", ["response", "ack", "stream"], "Bob")).toBe("agents.response.*.*.Bob");
    expect(subjectFilter("agents", ["handoff"], "Bob")).toBe("agents.handoff.Bob.to.*");
    expect(subjectFilter("t.agents", ["announcement"], "Bob")).toBe("t.agents.all.Bob");
    expect(subjectFilter("agents", ["discover"])).toBe("agents.discover.*");
    expect(subjectFilter("agents", ["stop"], "you-abc123")).toBe("agents.stop.you-abc123");
  });

  it("reads everything when no single filter says it", () => {
    expect(subjectFilter("agents", [], "Bob")).toBeUndefined();
    expect(subjectFilter("agents", ["direct", "request"], "Bob")).toBeUndefined();
  });
});
