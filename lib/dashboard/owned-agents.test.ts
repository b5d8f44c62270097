import { describe, expect, it } from "vitest";
import { OwnedAgentList, type OwnedAgents } from "./owned-agents";

function list() {
  const pushed: OwnedAgents[] = [];
  const owned = new OwnedAgentList((o) => pushed.push(o));
  return { owned, pushed };
}

describe("the list of agents this page may stop", () => {
  it("pushes a fresh snapshot on every change, and nothing when nothing changed", () => {
    const { owned, pushed } = list();
    owned.add("Tab-Bot", "tab");
    owned.add("Tab-Bot", "tab");
    owned.add("Srv-Bot", "server");
    owned.remove("Nobody");
    owned.remove("Tab-Bot");
    expect(pushed).toEqual([
      { "Tab-Bot": "tab" },
      { "Tab-Bot": "tab", "Srv-Bot": "server" },
      { "Srv-Bot": "server" },
    ]);
    expect(pushed[0]).not.toBe(pushed[1]);
    expect(owned.snapshot).toEqual({ "Srv-Bot": "server" });
    expect(owned.owner("Srv-Bot")).toBe("server");
    expect(owned.owner("Tab-Bot")).toBeUndefined();
  });

  it("takes the server's listing for server agents and leaves tab agents alone", () => {
    const { owned, pushed } = list();
    owned.add("Tab-Bot", "tab");
    owned.add("Old", "server");
    expect(owned.serverListed(["New", "Tab-Bot"], owned.mark())).toBe(true);
    expect(owned.snapshot).toEqual({ "Tab-Bot": "tab", New: "server" });
    const before = pushed.length;
    expect(owned.serverListed(["New"], owned.mark())).toBe(true);
    expect(pushed).toHaveLength(before); // same list: no push
  });

  it("ignores a listing asked for before this page started or stopped a server agent", () => {
    const { owned } = list();
    const mark = owned.mark();
    owned.add("Just-Started", "server"); // POST answered while the GET was in flight
    expect(owned.serverListed([], mark)).toBe(false);
    expect(owned.snapshot).toEqual({ "Just-Started": "server" });
    const mark2 = owned.mark();
    owned.remove("Just-Started");
    expect(owned.serverListed(["Just-Started"], mark2)).toBe(false);
    expect(owned.snapshot).toEqual({});
    expect(owned.serverListed(["Other"], owned.mark())).toBe(true);
    expect(owned.snapshot).toEqual({ Other: "server" });
  });
});
