// Guards and budgets (issue 12) on a real nats-server, with agents thinking on the offline model
// through the real openai client: loops stopped on the wire, budgets that travel with delegation
// and stop runaway runs, wall time, answers cut to fit, and a person stopping a whole thread.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OfflineModel } from "../../agents/offline-model";
import { demoAgents } from "../../agents/demo/definitions";
import { DEFAULT_GUARDS } from "../../agents/runtime/budget";
import { defineTool, type AgentDefinition } from "../../agents/runtime/definition";
import { z } from "zod";
import { BUDGET_KEY, newId, runReportIn } from "../../lib/protocol";
import { AgentResponseError, RegistryWatcher } from "../../lib/transport";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { collect, connection, eventually, link, sleep } from "../helpers";
import { agents, offlineModel, stopAgents } from "./fixtures";

let server: NatsServerHandle;
let model: OfflineModel;
const extraModels: OfflineModel[] = [];
beforeAll(async () => {
  server = await startNatsServer();
  model = await offlineModel();
});
afterEach(async () => {
  await stopAgents();
  await Promise.allSettled(extraModels.splice(0).map((m) => m.close()));
});
afterAll(async () => {
  await model.close();
  await server.stop();
});

/** An offline model of its own, in `mode`, for one agent of a test. */
async function modelIn(mode: Parameters<OfflineModel["setMode"]>[0]): Promise<OfflineModel> {
  const m = await offlineModel();
  m.setMode(mode);
  extraModels.push(m);
  return m;
}

async function online(...names: string[]): Promise<void> {
  const w = await RegistryWatcher.start({ connection: await connection(server.url), observerName: "tester" });
  await w.waitFor((s) => names.every((n) => s.agents[n]?.status === "online"), 5_000);
  await w.close();
}

const plain = (
  name: string,
  instructions: string,
  extra: Partial<AgentDefinition> = {},
): AgentDefinition => ({
  name,
  description: "test agent",
  instructions,
  capabilities: [],
  tools: [],
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<AgentResponseError> {
  const e = await p.then(
    () => new Error("expected the request to fail"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AgentResponseError);
  return e as AgentResponseError;
}

describe("loops stopped on the wire", () => {
  it("a storm started by a broadcast counts hops from the broadcast and stops at the hop limit", async () => {
    await agents(
      server.url,
      model.url,
      [
        plain("Echo-A", "Always send every message to @Echo-B."),
        plain("Echo-B", "Always send every message to @Echo-A."),
      ],
      { maxHops: 4 },
    );
    await online("Echo-A", "Echo-B");
    const directs = await collect(server.url, "agents.direct.>");
    const me = await link(server.url, "Herald");
    me.broadcast("pass this around");
    // Both hear the broadcast and start a chain each: hops 1, 2, 3, 4, then the limit.
    await eventually(() => directs.filter((d) => d.body.hops === 4).length === 2, 10_000);
    await sleep(1_000);
    const hops = directs.map((d) => d.body.hops as number).sort();
    expect(hops).toEqual([1, 1, 2, 2, 3, 3, 4, 4]); // before: broadcast runs sent at hop 0
    const quiet = directs.length;
    await sleep(500);
    expect(directs.length).toBe(quiet);
  });

  it("a run may send at most FAN_OUT_LIMIT messages; the rest are refused to the model", async () => {
    const [sender] = await agents(server.url, model.url, [plain("Spammer", "Send what you are asked to.")], {
      guards: { ...DEFAULT_GUARDS, fanOut: 3 },
    });
    await agents(server.url, model.url, [plain("Sink", "You receive messages.")]);
    await online("Spammer", "Sink");
    const directs = await collect(server.url, "agents.direct.Sink.>");
    const me = await link(server.url, "Asker");
    const r = await me.request("Spammer", "#fan-out @Sink 8", { timeoutMs: 10_000 });
    await sleep(300);
    expect(directs.map((d) => d.body.content)).toEqual(
      [1, 2, 3].map((i) => `@Sink fan-out message ${i} of 8`),
    );
    expect(r.content).toContain("fan-out limit 3");
    expect(runReportIn(r.metadata)?.delegatedTo).toEqual(["Sink"]);
    expect(sender!.link.stats.runningHandlers).toBe(0);
  });
});

describe("budgets", () => {
  it("a message's budget narrows the run's: one model call, then budget_exceeded naming it", async () => {
    await agents(
      server.url,
      model.url,
      demoAgents().filter((d) => d.name === "Weather-Bot"),
    );
    await online("Weather-Bot");
    const me = await link(server.url, "Asker");
    const e = await failure(
      me.request("Weather-Bot", "What's the weather in Paris?", {
        timeoutMs: 10_000,
        metadata: { [BUDGET_KEY]: { modelCalls: 1 } },
      }),
    );
    expect(e.code).toBe("budget_exceeded");
    expect(e.message).toContain("model calls: 1 used of 1");
    const run = runReportIn(e.response.metadata)!;
    expect(run).toMatchObject({ modelCalls: 1, exceeded: "modelCalls", tools: ["get_weather"] });
    expect(run.tokens.in).toBeGreaterThan(0);
    expect(run.tokens.estimated).toBe(false); // the offline model reports usage
  });

  it("a model that keeps calling tools stops at the call budget", async () => {
    const loop = await modelIn("tool-loop");
    const noop = defineTool({
      name: "noop",
      description: "does nothing",
      parameters: z.object({}),
      execute: () => "nothing happened",
    });
    await agents(
      server.url,
      loop.url,
      [plain("Looper", "Use your tools.", { tools: [noop], maxSteps: 100 })],
      {
        guards: { ...DEFAULT_GUARDS, budget: { ...DEFAULT_GUARDS.budget, modelCalls: 5 } },
      },
    );
    await online("Looper");
    const me = await link(server.url, "Asker");
    const e = await failure(me.request("Looper", "go", { timeoutMs: 10_000 }));
    expect(e.code).toBe("budget_exceeded");
    expect(e.message).toContain("model calls: 5 used of 5");
    expect(runReportIn(e.response.metadata)).toMatchObject({ modelCalls: 5, exceeded: "modelCalls" });
    expect(runReportIn(e.response.metadata)!.tools).toEqual(["noop", "noop", "noop", "noop", "noop"]);
    expect(loop.stats.requests).toBe(5);
  });

  it("travels with a handoff: the receiver gets what is left, and its spending is charged back", async () => {
    await agents(server.url, model.url, demoAgents());
    await online("Weather-Bot", "Task-Coordinator");
    const handoffs = await collect(server.url, "agents.handoff.>");
    const me = await link(server.url, "Asker");
    const r = await me.request("Task-Coordinator", "What's the weather in Oslo?", {
      timeoutMs: 10_000,
      metadata: { [BUDGET_KEY]: { modelCalls: 10 } },
    });
    expect(r.metadata).toMatchObject({ handedOffTo: "Weather-Bot" });
    expect(
      (handoffs[0]!.body.metadata as Record<string, { modelCalls: number }>)[BUDGET_KEY]!.modelCalls,
    ).toBe(9);
    const run = runReportIn(r.metadata)!;
    expect(run.modelCalls).toBe(1); // the handoff decision
    expect(run.spent.modelCalls).toBe(3); // + Weather-Bot's tool call and answer
    expect(run.left.modelCalls).toBe(7);
    expect(run.delegatedTo).toEqual(["Weather-Bot"]);
    expect(run.spent.tokens).toBeGreaterThan(run.tokens.in + run.tokens.out);

    // Two calls for the whole chain: the receiver runs out, and so does the task.
    const e = await failure(
      me.request("Task-Coordinator", "What's the weather in Rome?", {
        timeoutMs: 10_000,
        metadata: { [BUDGET_KEY]: { modelCalls: 2 } },
      }),
    );
    expect(e.code).toBe("budget_exceeded");
    expect(e.message).toContain("Weather-Bot");
  });

  it("a malformed budget is the sender's error: bad_budget, and the agent keeps working", async () => {
    await agents(server.url, model.url, [plain("Plain", "Answer.")]);
    await online("Plain");
    const me = await link(server.url, "Asker");
    const e = await failure(
      me.request("Plain", "hi", { timeoutMs: 5_000, metadata: { [BUDGET_KEY]: { modelCalls: "lots" } } }),
    );
    expect(e.code).toBe("bad_budget");
    expect(e.message).toContain("budget.modelCalls");
    const ok = await me.request("Plain", "hi again", { timeoutMs: 5_000 });
    expect(ok.status).toBe("ok");
  });

  it("wall time: a run past its time is aborted with budget_exceeded and the model slot is free again", async () => {
    const hang = await modelIn("hang");
    await agents(server.url, hang.url, [plain("Slow", "Answer.")], { modelTimeoutMs: 30_000 });
    await online("Slow");
    const me = await link(server.url, "Asker");
    const start = Date.now();
    const e = await failure(
      me.request("Slow", "take your time", {
        timeoutMs: 10_000,
        metadata: { [BUDGET_KEY]: { wallMs: 400 } },
      }),
    );
    const took = Date.now() - start;
    expect(e.code).toBe("budget_exceeded");
    expect(e.message).toContain("wall time");
    expect(took).toBeGreaterThanOrEqual(400);
    expect(took).toBeLessThan(1_500);
    await eventually(() => hang.stats.inFlight === 0, 2_000); // the model call was let go
    hang.setMode("ok");
    expect((await me.request("Slow", "now quickly", { timeoutMs: 5_000 })).status).toBe("ok");
  });

  it("an answer over the size limit arrives cut to fit, with its note", async () => {
    const huge = await modelIn("huge");
    const big = { ...DEFAULT_GUARDS.budget, tokens: 10_000_000 };
    await agents(server.url, huge.url, [plain("Verbose", "Answer at length.", { maxTokens: 1_000_000 })], {
      guards: { ...DEFAULT_GUARDS, budget: big, thread: { modelCalls: 100, tokens: 10_000_000 } },
    });
    await online("Verbose");
    const me = await link(server.url, "Asker");
    const r = await me.request("Verbose", "tell me everything", { timeoutMs: 15_000 });
    expect(r.status).toBe("ok");
    expect(r.content).toMatch(/\n\n\[truncated: \d+ bytes\]$/);
    const dropped = Number(/\[truncated: (\d+) bytes\]$/.exec(r.content)![1]);
    expect(dropped).toBeGreaterThan(400_000); // 1.5 MiB of text into a 1 MiB message
  });
});

describe("stopping a thread", () => {
  it("a person's stop ends a three-agent chain within a second; every task answers canceled", async () => {
    const hang = await modelIn("hang");
    await agents(server.url, model.url, [
      plain("Chain-A", "Always hand off every task to Chain-B."),
      plain("Chain-B", "Always hand off every task to Chain-C."),
    ]);
    await agents(server.url, hang.url, [plain("Chain-C", "Answer.")], { modelTimeoutMs: 30_000 });
    await online("Chain-A", "Chain-B", "Chain-C");
    const responses = await collect(server.url, "agents.response.>");
    const alice = await link(server.url, "Alice", { mode: "client" }); // a person's identity may stop threads
    const thread = newId();
    const asked = alice.request("Chain-A", "please take a long time", {
      timeoutMs: 20_000,
      threadId: thread,
    });
    await eventually(() => hang.stats.inFlight === 1, 10_000); // the task reached Chain-C's model
    const start = Date.now();
    alice.stopThread(thread, "enough");
    const e = await failure(asked);
    expect(e.code).toBe("canceled");
    const canceled = await eventually(() => {
      const c = responses.filter(
        (r) => r.body.type === "response" && r.body.status === "canceled" && r.body.threadId === thread,
      );
      return c.length >= 3 ? c : undefined;
    }, 1_000);
    expect(Date.now() - start).toBeLessThan(1_000);
    expect(new Set(canceled.map((c) => c.body.from))).toEqual(new Set(["Chain-A", "Chain-B", "Chain-C"]));
    expect(
      canceled.every((c) => String(c.body.content).includes("canceled by Alice: stopped the thread: enough")),
    ).toBe(true);
    await eventually(() => hang.stats.inFlight === 0, 2_000);

    // A task of the stopped thread that arrives later is refused, not run.
    const late = await failure(alice.request("Chain-B", "one more", { timeoutMs: 5_000, threadId: thread }));
    expect(late.code).toBe("canceled");
  });

  it("only people may stop a thread: an agent's stop is refused by the server and the work goes on", async () => {
    await agents(server.url, model.url, [plain("Worker", "Answer.")]);
    await online("Worker");
    const evil = await link(server.url, "Evil"); // an agent's credential
    const stops = await collect(server.url, "agents.stop.>");
    const me = await link(server.url, "Asker");
    const first = me.sendDirect("Worker", "remember this thread");
    evil.stopThread(first.threadId, "mine now");
    await sleep(300);
    expect(stops).toHaveLength(0);
    const r = await me.request("Worker", "still there?", { timeoutMs: 5_000, threadId: first.threadId });
    expect(r.status).toBe("ok");
  });
});
