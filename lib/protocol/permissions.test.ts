import { describe, expect, it } from "vitest";
import { permissionsFor, subjects, type IdentityClaim } from ".";

/** NATS subject matching: `*` is one token, `>` the rest (one or more). */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const allowed = (list: readonly string[], subject: string) => list.some((p) => matches(p, subject));

describe("the roles table", () => {
  const s = subjects();
  const bob: IdentityClaim = { role: "agent", name: "Bob", runtime: "process" };

  it("lets an agent publish only in its own name, every kind of message", () => {
    const { pub } = permissionsFor(bob, "agents");
    const own = [
      s.all("Bob"),
      s.direct("Ann", "Bob"),
      s.request("Ann", "Bob"),
      s.response("Ann", "id1", "Bob"),
      s.handoff("Bob", "Ann"),
      s.presence("Bob", "process"),
      s.heartbeat("Bob", "process"),
      s.cancel("Ann", "Bob"),
      s.discover("Bob"),
      s.live("Ann", "Bob"),
      s.taken("Bob"),
    ];
    for (const subject of own) expect(allowed(pub, subject), subject).toBe(true);
    const others = [
      s.all("Ann"),
      s.direct("Bob", "Ann"),
      s.request("Bob", "Ann"),
      s.response("Bob", "id1", "Ann"),
      s.handoff("Ann", "Bob"),
      s.presence("Ann", "process"),
      s.presence("Bob", "server"), // its own name on another runtime
      s.heartbeat("Ann", "process"),
      s.cancel("Bob", "Ann"),
      s.discover("Ann"),
      s.live("Bob", "Ann"),
      s.taken("Ann"), // another agent's replicas' notices
      "agents.direct.Ann", // the seed's old subjects are not open either
      "_INBOX.x",
      "$JS.API.STREAM.LIST",
    ];
    for (const subject of others) expect(allowed(pub, subject), subject).toBe(false);
  });

  it("lets an agent read its own inboxes, broadcasts, presence and discovery, not another's", () => {
    const { sub } = permissionsFor(bob, "agents");
    for (const subject of [
      s.direct("Bob", "Ann"),
      s.request("Bob", "Ann"),
      s.response("Bob", "id1", "Ann"),
      s.handoff("Ann", "Bob"),
      s.cancel("Bob", "Ann"),
      s.live("Bob", "Ann"),
      s.taken("Bob"),
      s.all("Ann"),
      s.presence("Ann", "server"),
      s.heartbeat("Ann", "browser"),
      s.discover("Ann"),
    ])
      expect(allowed(sub, subject), subject).toBe(true);
    for (const subject of [
      s.direct("Ann", "Carl"),
      s.request("Ann", "Carl"),
      s.response("Ann", "id1", "Carl"),
      s.handoff("Carl", "Ann"),
      s.cancel("Ann", "Carl"),
      s.live("Ann", "Carl"),
      s.taken("Ann"),
    ])
      expect(allowed(sub, subject), subject).toBe(false);
    expect(sub).not.toContain("agents.>");
    expect(sub).toContain("_INBOX_Bob.>"); // its own inbox only
    expect(allowed(sub, "_INBOX.x")).toBe(false);
    expect(allowed(sub, "_INBOX_Ann.x")).toBe(false);
  });

  it("lets an agent make and pull only its own delivery consumers, with their filters pinned", () => {
    const { pub } = permissionsFor(bob, "agents");
    const api = "$JS.API.CONSUMER";
    for (const subject of [
      `${api}.CREATE.SB_agents.direct-Bob.agents.direct.Bob.*`,
      `${api}.CREATE.SB_agents.request-Bob.agents.request.Bob.*`,
      `${api}.CREATE.SB_agents.handoff-Bob.agents.handoff.*.to.Bob`,
      `${api}.MSG.NEXT.SB_agents.direct-Bob`,
      "$JS.ACK.SB_agents.request-Bob.1.2.3.4.5",
      "$JS.API.DIRECT.GET.SB_agents_members.agents.presence.Ann.*",
    ])
      expect(allowed(pub, subject), subject).toBe(true);
    for (const subject of [
      `${api}.CREATE.SB_agents.direct-Bob.agents.direct.Ann.*`, // its consumer on another's inbox
      `${api}.CREATE.SB_agents.direct-Ann.agents.direct.Ann.*`,
      `${api}.DURABLE.CREATE.SB_agents.direct-Bob`, // the old API takes the filter in the body
      `${api}.MSG.NEXT.SB_agents.direct-Ann`,
      "$JS.ACK.SB_agents.direct-Ann.1.2.3.4.5",
      "$JS.API.DIRECT.GET.SB_agents", // reading the whole log is a person's
      "$JS.API.STREAM.CREATE.SB_agents",
      "$JS.API.STREAM.PURGE.SB_agents_members",
    ])
      expect(allowed(pub, subject), subject).toBe(false);
  });

  it("lets a person read everything and speak as itself, but never answer or announce", () => {
    const p = permissionsFor({ role: "person", name: "you-abc123" }, "agents");
    expect(p.sub).toEqual(["agents.>", "_INBOX_you-abc123.>"]);
    expect(p.connectionTypes).toEqual(["WEBSOCKET"]);
    // It reads the log by direct gets, and may create no consumer (none could reach an agent's queue).
    expect(allowed(p.pub, "$JS.API.DIRECT.GET.SB_agents")).toBe(true);
    expect(p.pub.some((x) => x.includes("CONSUMER") || x.includes("$JS.ACK"))).toBe(false);
    expect(allowed(p.pub, s.request("Bob", "you-abc123"))).toBe(true);
    expect(allowed(p.pub, s.request("Bob", "Ann"))).toBe(false);
    expect(allowed(p.pub, s.response("Bob", "id", "you-abc123"))).toBe(false);
    expect(allowed(p.pub, s.presence("you-abc123", "browser"))).toBe(false);
  });

  it("keeps the dashboard's server from speaking as anyone: it may only ask who is online", () => {
    const d = permissionsFor({ role: "dashboard", name: "dashboard" }, "agents");
    expect(d.pub.filter((x) => !x.startsWith("$JS.API."))).toEqual([s.discover("dashboard")]);
    expect(
      d.pub
        .filter((x) => x.startsWith("$JS.API."))
        .every((x) => /(DIRECT|STREAM\.MSG)\.GET\.SB_agents_members|STREAM\.INFO/.test(x)),
    ).toBe(true);
    expect(d.sub).toEqual([s.wildcards.presence, s.wildcards.heartbeat, "_INBOX_dashboard.>"]);
  });

  it("binds a tab agent to WebSocket and a process agent to TCP", () => {
    expect(permissionsFor({ ...bob, runtime: "browser" }, "agents").connectionTypes).toEqual(["WEBSOCKET"]);
    expect(permissionsFor(bob, "agents").connectionTypes).toEqual(["STANDARD"]);
  });

  it("writes the subject root into every permission", () => {
    const p = permissionsFor(bob, "team1.agents");
    for (const subject of [...p.pub, ...p.sub]) {
      // The mesh's subjects start with the root; JetStream's name the root's streams (and pin filters under it).
      if (subject.startsWith("$JS."))
        expect(subject).toMatch(
          /\.SB_team1_agents(_members|_handled)?\.|SB_team1_agents(_members|_handled)?$/,
        );
      else if (!subject.startsWith("_INBOX_Bob.") && subject !== "sb-handled.team1.agents.Bob")
        expect(subject.startsWith("team1.agents.")).toBe(true);
    }
  });

  it("refuses a name that could widen a permission, and an agent without a runtime", () => {
    for (const bad of ["*", ">", "a.b", "a b"])
      expect(() => permissionsFor({ role: "agent", name: bad, runtime: "process" }, "agents")).toThrow();
    expect(() => permissionsFor({ role: "agent", name: "Bob" }, "agents")).toThrow(/runtime/);
  });
});
