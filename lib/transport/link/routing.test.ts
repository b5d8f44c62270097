import { describe, expect, it } from "vitest";
import { compose, subjects, type AgentMessage } from "../../protocol";
import { Routes, type Inbound } from "./routing";

const s = subjects("team1.agents");
const routes = new Routes("Bob", s);
const id = "task-1";
const direct = (from: string) => compose("direct", from, { to: "Bob", content: "hi" });
const answer = (from: string) =>
  compose("response", from, { to: "Bob", content: "", inReplyTo: id, status: "ok" });
const handoff = (from: string) =>
  compose("handoff", from, {
    to: "Bob",
    content: "",
    handoff: { task: "t", progress: "", reason: "", data: {} },
  });

describe("a link's routes", () => {
  it.each<[string, Inbound, string, AgentMessage, "ok" | "misrouted" | "spoofed"]>([
    ["a direct message from its sender", "direct", s.direct("Bob", "Ann"), direct("Ann"), "ok"],
    ["a direct message claiming another sender", "direct", s.direct("Bob", "Ann"), direct("Carl"), "spoofed"],
    [
      "a sender whose name extends the subject's",
      "direct",
      s.direct("Bob", "Ann"),
      direct("Ann2"),
      "spoofed",
    ],
    [
      "a sender whose name is a prefix of the subject's",
      "direct",
      s.direct("Bob", "Ann2"),
      direct("Ann"),
      "spoofed",
    ],
    [
      "a direct message on another agent's subject",
      "direct",
      s.direct("Bobby", "Ann"),
      direct("Ann"),
      "misrouted",
    ],
    [
      "a direct message under another root",
      "direct",
      subjects().direct("Bob", "Ann"),
      direct("Ann"),
      "misrouted",
    ],
    ["an answer from the agent asked", "response", s.response("Bob", id, "Ann"), answer("Ann"), "ok"],
    [
      "an answer claiming another answerer",
      "response",
      s.response("Bob", id, "Ann"),
      answer("Carl"),
      "spoofed",
    ],
    [
      "an answer on another task's channel",
      "response",
      s.response("Bob", "task-2", "Ann"),
      answer("Ann"),
      "misrouted",
    ],
    [
      "an answer whose id ends like ours",
      "response",
      s.response("Bob", `x${id}`, "Ann"),
      answer("Ann"),
      "misrouted",
    ],
    ["a handoff from its sender", "handoff", s.handoff("Ann", "Bob"), handoff("Ann"), "ok"],
    ["a handoff claiming another sender", "handoff", s.handoff("Ann", "Bob"), handoff("Carl"), "spoofed"],
    ["a handoff to someone else", "handoff", s.handoff("Ann", "Bobby"), handoff("Ann"), "misrouted"],
    [
      "a broadcast from its sender",
      "all",
      s.all("Ann"),
      compose("announcement", "Ann", { content: "" }),
      "ok",
    ],
    [
      "a broadcast claiming another",
      "all",
      s.all("Ann"),
      compose("announcement", "Carl", { content: "" }),
      "spoofed",
    ],
    [
      "a presence on a direct subject",
      "direct",
      s.direct("Bob", "Ann"),
      compose("discover", "Ann", { content: "" }),
      "misrouted",
    ],
  ])("%s: %s", (_what, kind, subject, m, verdict) => {
    const p = routes.problem(kind, m, subject);
    expect(p?.reason ?? "ok", p?.detail).toBe(verdict);
  });
});
