// Each communication pattern of the seed, against a real nats-server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import {
  AgentResponseError,
  NoAgentError,
  RegistryWatcher,
  RequestTimeoutError,
  TaskCanceledError,
  type HandlerContext,
} from "../../lib/transport";
import { HopLimitError, subjects, type DirectMessage, type HandoffMessage } from "../../lib/protocol";
import { collect, connection, eventually, link, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

describe("direct messages", () => {
  it("reach only their target, which runs its handler", async () => {
    const got: Record<string, DirectMessage[]> = { B: [], C: [] };
    const a = await link(server.url, "A");
    await link(server.url, "B", { handlers: { direct: (m) => void got.B!.push(m) } });
    await link(server.url, "C", { handlers: { direct: (m) => void got.C!.push(m) } });
    const sent = a.sendDirect("B", "hello B", { priority: 5, metadata: { k: "v" } });
    await eventually(() => got.B!.length === 1);
    await sleep(50);
    expect(got.B).toHaveLength(1);
    expect(got.C).toHaveLength(0);
    expect(got.B![0]).toMatchObject({
      id: sent.id,
      from: "A",
      to: "B",
      content: "hello B",
      priority: 5,
      metadata: { k: "v" },
    });
  });
});

describe("request / response", () => {
  it("returns the handler's answer in the same thread, on the requester's response subject", async () => {
    const wire = await collect(server.url, "agents.response.>");
    const a = await link(server.url, "Asker");
    await link(server.url, "Weather-Bot", { handlers: { request: (m) => `sunny in ${m.content}` } });
    const r = await a.request("Weather-Bot", "Oslo");
    expect(r).toMatchObject({
      type: "response",
      from: "Weather-Bot",
      to: "Asker",
      content: "sunny in Oslo",
      status: "ok",
    });
    await eventually(() => wire.length === 1);
    expect(wire[0]?.subject).toBe(`agents.response.Asker.${r.inReplyTo}.Weather-Bot`);
    expect(wire[0]?.body.threadId).toBe(r.inReplyTo);
  });

  it("fails in well under 100 ms when nobody listens", async () => {
    const a = await link(server.url, "Lonely");
    const t0 = performance.now();
    await expect(a.request("Nobody", "anyone?", { timeoutMs: 5_000 })).rejects.toBeInstanceOf(NoAgentError);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it("still fails fast when an observer hides the no-responders status", async () => {
    await collect(server.url, "agents.>"); // a dashboard watching everything
    const a = await link(server.url, "Lonely2", { ackTimeoutMs: 300 });
    const t0 = performance.now();
    const err = await a.request("Nobody", "anyone?", { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoAgentError);
    expect((err as Error).message).toContain("no agent named Nobody is listening");
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it("times out within 10 % of its timeout when the agent acks but never answers", async () => {
    const a = await link(server.url, "Patient");
    await link(server.url, "Slow", {
      ackDelayMs: 10,
      handlers: { request: () => new Promise<string>(() => {}) },
    });
    const t0 = performance.now();
    const err = await a.request("Slow", "take your time", { timeoutMs: 600 }).catch((e: unknown) => e);
    const took = performance.now() - t0;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect((err as RequestTimeoutError).acknowledged).toBe(true);
    expect(took).toBeGreaterThanOrEqual(600 * 0.9);
    expect(took).toBeLessThanOrEqual(600 * 1.1);
  });

  it("turns a handler's failure into an error response", async () => {
    const a = await link(server.url, "Asker2");
    await link(server.url, "Broken", {
      handlers: { request: () => Promise.reject(new Error("tool exploded")) },
    });
    const err = await a.request("Broken", "go").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentResponseError);
    expect((err as AgentResponseError).code).toBe("handler_error");
    expect((err as AgentResponseError).response.content).toContain("tool exploded");
  });

  it("gives up when its signal aborts, cancels the agent's task, and counts late answers", async () => {
    const wire = await collect(server.url, "agents.response.Impatient.>");
    const a = await link(server.url, "Impatient");
    let sawAbort: unknown;
    await link(server.url, "Sleepy", {
      handlers: {
        request: (_m, { signal }) =>
          new Promise<string>((resolve) => {
            const t = setTimeout(() => resolve("late"), 300);
            signal.addEventListener("abort", () => {
              sawAbort = signal.reason;
              clearTimeout(t);
            });
          }),
      },
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("user canceled")), 80);
    await expect(a.request("Sleepy", "x", { signal: ac.signal })).rejects.toThrow("user canceled");
    const canceled = await eventually(() => wire.find((w) => w.body.status === "canceled"));
    expect(canceled.body).toMatchObject({ from: "Sleepy", error: { code: "canceled" } });
    expect(sawAbort).toBeInstanceOf(TaskCanceledError);
    await sleep(400);
    expect(wire.some((w) => w.body.content === "late")).toBe(false);
    expect(a.stats.rejectedBy.unknown_request).toBeGreaterThanOrEqual(1);
  });

  it("serves many requests in flight at once", async () => {
    const a = await link(server.url, "Busy-Asker");
    await link(server.url, "Echo", { handlers: { request: (m) => m.content } });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => a.request("Echo", `n${i}`)));
    expect(answers.map((r) => r.content)).toEqual(Array.from({ length: 200 }, (_, i) => `n${i}`));
  });
});

describe("handoff", () => {
  it("arrives with its full context, in the same thread, one hop further", async () => {
    const got: HandoffMessage[] = [];
    const wire = await collect(server.url, "agents.handoff.>");
    const user = await link(server.url, "User");
    await link(server.url, "Weather-Specialist", { handlers: { handoff: (m) => void got.push(m) } });
    const coordinator = await link(server.url, "Coordinator", {
      handlers: {
        direct: (m, { link }) =>
          link.handoff(
            "Weather-Specialist",
            {
              task: m.content,
              progress: "identified a weather question",
              reason: "needs the forecast tool",
              data: { city: "Oslo" },
            },
            { cause: m },
          ),
      },
    });
    expect(coordinator.name).toBe("Coordinator");
    const first = user.sendDirect("Coordinator", "What's the weather in Oslo?");
    const h = await eventually(() => got[0]);
    expect(h).toMatchObject({
      from: "Coordinator",
      to: "Weather-Specialist",
      threadId: first.threadId,
      hops: 1,
      handoff: {
        task: "What's the weather in Oslo?",
        progress: "identified a weather question",
        reason: "needs the forecast tool",
        data: { city: "Oslo" },
      },
    });
    expect(wire[0]?.subject).toBe("agents.handoff.Coordinator.to.Weather-Specialist");
  });

  it("stops two agents that keep handing a task to each other at the hop limit", async () => {
    let hops = 0;
    const failures: unknown[] = [];
    const pingPong = (other: string) => ({
      handoff: (m: HandoffMessage, { link }: HandlerContext) => {
        hops = Math.max(hops, m.hops);
        try {
          link.handoff(other, m.handoff, { cause: m });
        } catch (e) {
          failures.push(e);
        }
      },
    });
    const ping = await link(server.url, "Ping", { maxHops: 5, handlers: pingPong("Pong") });
    await link(server.url, "Pong", { maxHops: 5, handlers: pingPong("Ping") });
    ping.handoff("Pong", { task: "loop forever" });
    const e = await eventually(() => failures[0]);
    expect(e).toBeInstanceOf(HopLimitError);
    expect(hops).toBe(5);
  });
});

describe("broadcast", () => {
  it("reaches every other connected agent exactly once", async () => {
    const counts = new Map<string, number>();
    const names = ["R1", "R2", "R3", "R4"];
    for (const n of names) {
      await link(server.url, n, {
        handlers: { announcement: () => void counts.set(n, (counts.get(n) ?? 0) + 1) },
      });
    }
    const sender = await link(server.url, "Herald", {
      handlers: { announcement: () => void counts.set("Herald", 1) },
    });
    sender.broadcast("hear ye");
    await eventually(() => names.every((n) => counts.get(n) === 1));
    await sleep(100);
    expect(Object.fromEntries(counts)).toEqual({ R1: 1, R2: 1, R3: 1, R4: 1 });
  });
});

describe("presence and heartbeats", () => {
  it("announces presence on start and heartbeats at its interval", async () => {
    const presence = await collect(server.url, "agents.presence.Beater.process");
    const beats = await collect(server.url, "agents.heartbeat.Beater.process");
    const l = await link(server.url, "Beater", { heartbeatMs: 200 });
    await sleep(1_050);
    expect(presence[0]?.body).toMatchObject({
      type: "presence",
      agent: { name: "Beater", status: "online", heartbeatMs: 200 },
    });
    expect(beats.length).toBeGreaterThanOrEqual(4);
    expect(beats.length).toBeLessThanOrEqual(6);
    const times = beats.map((b) => Date.parse(b.body.timestamp as string));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(150);
    l.setStatus("busy");
    await eventually(
      () => beats.at(-1)?.body.agent && (beats.at(-1)!.body.agent as { status: string }).status === "busy",
    );
  });

  it("announces offline on a graceful close", async () => {
    const presence = await collect(server.url, "agents.presence.Leaver.process");
    const l = await link(server.url, "Leaver");
    await l.close();
    await eventually(() => presence.length === 2);
    expect(presence[1]?.body).toMatchObject({ agent: { name: "Leaver", status: "offline" } });
    await expect(l.closed).resolves.toBeNull();
    expect(() => l.sendDirect("x", "after close")).toThrow(/closed/);
  });

  it("lets a late-starting observer see every online agent within a second", async () => {
    const names = ["Early-1", "Early-2", "Early-3"];
    for (const n of names) await link(server.url, n, { heartbeatMs: 60_000 });
    const t0 = performance.now();
    const watcher = await RegistryWatcher.start({
      connection: await connection(server.url),
      observerName: "tester",
    });
    const state = await watcher.waitFor((s) => names.every((n) => s.agents[n]?.status === "online"), 1_000);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(state.agents["Early-1"]?.agent.heartbeatMs).toBe(60_000);
    await watcher.close();
  });

  it("refuses to send to an invalid name with a clear error", async () => {
    const l = await link(server.url, "Careful");
    expect(() => l.sendDirect("a.b", "x")).toThrow(/contains "\."/);
    await expect(l.request("*", "x")).rejects.toThrow(/wildcard/);
    expect(subjects().direct("ok", "Careful")).toBe("agents.direct.ok.Careful");
  });
});
