import { describe, expect, it } from "vitest";
import { compose, type AgentMetadata } from "../protocol";
import { EMPTY_REGISTRY, nextDeadline, onlineAgents, reduceRegistry } from "./reducer";

const meta = (name: string, status: AgentMetadata["status"] = "online"): AgentMetadata => ({
  name,
  description: "",
  capabilities: [],
  tools: [],
  status,
  runtime: "process",
  startedAt: new Date(0).toISOString(),
  lastSeen: new Date(0).toISOString(),
  heartbeatMs: 1_000,
});
const presence = (name: string, status: AgentMetadata["status"] = "online", from = name) =>
  compose("presence", from, { content: "", agent: meta(name, status) });
const beat = (name: string, status: AgentMetadata["status"] = "online") =>
  compose("heartbeat", name, { content: "", agent: meta(name, status) });

describe("registry reducer", () => {
  it("adds agents on presence and follows their status", () => {
    let s = reduceRegistry(EMPTY_REGISTRY, { type: "seen", message: presence("A"), at: 0 });
    s = reduceRegistry(s, { type: "seen", message: beat("A", "busy"), at: 500 });
    expect(s.agents.A?.status).toBe("busy");
    expect(s.agents.A?.lastSeenAt).toBe(500);
  });

  it("marks an agent offline after the configured number of missed heartbeats, not before", () => {
    const s = reduceRegistry(EMPTY_REGISTRY, { type: "seen", message: presence("A"), at: 0 });
    const opts = { missedHeartbeats: 3 };
    expect(reduceRegistry(s, { type: "tick", now: 3_000 }, opts)).toBe(s);
    const later = reduceRegistry(s, { type: "tick", now: 3_001 }, opts);
    expect(later.agents.A).toMatchObject({
      status: "offline",
      offlineReason: "missed-heartbeats",
      offlineAt: 3_001,
    });
    expect(reduceRegistry(s, { type: "tick", now: 2_001 }, { missedHeartbeats: 2 }).agents.A?.status).toBe(
      "offline",
    );
    expect(nextDeadline(s, 3)).toBe(3_001);
  });

  it("keeps offline agents listed with when and why, and brings them back", () => {
    let s = reduceRegistry(EMPTY_REGISTRY, { type: "seen", message: presence("A"), at: 0 });
    s = reduceRegistry(s, { type: "seen", message: presence("A", "offline"), at: 10 });
    expect(s.agents.A).toMatchObject({ status: "offline", offlineReason: "announced", offlineAt: 10 });
    expect(onlineAgents(s)).toEqual([]);
    s = reduceRegistry(s, { type: "seen", message: presence("A"), at: 20 });
    expect(s.agents.A?.status).toBe("online");
    expect(s.agents.A?.offlineAt).toBeUndefined();
  });

  it("ignores an agent announcing someone else", () => {
    const s = reduceRegistry(EMPTY_REGISTRY, {
      type: "seen",
      message: presence("Victim", "offline", "Mallory"),
      at: 0,
    });
    expect(s).toBe(EMPTY_REGISTRY);
  });

  it("sorts online agents by name", () => {
    let s = EMPTY_REGISTRY;
    for (const n of ["c", "a", "b"]) s = reduceRegistry(s, { type: "seen", message: presence(n), at: 0 });
    expect(onlineAgents(s).map((e) => e.agent.name)).toEqual(["a", "b", "c"]);
  });
});
