// The demo trio on a real nats-server, thinking with the offline model through the real openai
// client over HTTP.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OfflineModel } from "../../agents/offline-model";
import { demoAgents } from "../../agents/demo/definitions";
import { describeForecast, OfflineForecastTable } from "../../agents/tools/forecast";
import type { AgentDefinition } from "../../agents/runtime/definition";
import { AgentResponseError, RegistryWatcher } from "../../lib/transport";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { collect, connection, eventually, link, sleep } from "../helpers";
import { agents, offlineModel, stopAgents } from "./fixtures";

let server: NatsServerHandle;
let model: OfflineModel;
beforeAll(async () => {
  server = await startNatsServer();
  model = await offlineModel();
});
afterEach(stopAgents);
afterAll(async () => {
  await model.close();
  await server.stop();
});

async function trio() {
  const running = await agents(server.url, model.url, demoAgents());
  const w = await RegistryWatcher.start({ connection: await connection(server.url), observerName: "tester" });
  await w.waitFor(
    (s) =>
      ["Weather-Bot", "Task-Coordinator", "General-Assistant"].every((n) => s.agents[n]?.status === "online"),
    3_000,
  );
  await w.close();
  return running;
}

describe("the demo agents", () => {
  it("a direct message starts a run whose output is visible on the wire", async () => {
    await trio();
    const wire = await collect(server.url, "agents.response.>");
    const me = await link(server.url, "Visitor");
    const sent = me.sendDirect("General-Assistant", "hello, who are you?");
    const answer = await eventually(() =>
      wire.find((w) => w.body.type === "response" && w.body.inReplyTo === sent.id),
    );
    expect(answer.subject).toBe(`agents.response.Visitor.${sent.id}.General-Assistant`);
    expect(answer.body).toMatchObject({ from: "General-Assistant", threadId: sent.threadId, status: "ok" });
    expect(answer.body.content).toContain("offline model");
    expect(wire.some((w) => w.body.type === "stream" && w.body.inReplyTo === sent.id)).toBe(true);
  });

  it("Weather-Bot answers a request with a forecast produced by its tool", async () => {
    await trio();
    const me = await link(server.url, "Asker");
    const r = await me.request("Weather-Bot", "What's the weather in Paris?", { timeoutMs: 10_000 });
    const expected = describeForecast(await new OfflineForecastTable().forecast("Paris", 1));
    expect(r.content).toContain(expected);
    expect(r.metadata).toMatchObject({ steps: 2 }); // tool call, then answer
  });

  it("Task-Coordinator hands a weather task to Weather-Bot; the answer comes back in the same thread", async () => {
    await trio();
    const handoffs = await collect(server.url, "agents.handoff.>");
    const me = await link(server.url, "Asker");
    const question = "What's the weather in New York?";
    const r = await me.request("Task-Coordinator", question, { timeoutMs: 10_000 });
    expect(r.from).toBe("Task-Coordinator");
    expect(r.content).toContain(describeForecast(await new OfflineForecastTable().forecast("New York", 1)));
    expect(r.metadata).toMatchObject({ handedOffTo: "Weather-Bot" });
    const h = handoffs[0]!;
    expect(h.subject).toBe("agents.handoff.Task-Coordinator.to.Weather-Bot");
    expect(h.body).toMatchObject({ threadId: r.threadId, hops: 1, handoff: { task: question } });
    expect((h.body.handoff as { reason: string }).reason).toContain("weather");
  });

  it("a broadcast reaches all three, and only the agent with something to say answers", async () => {
    const running = await trio();
    const answers: string[] = [];
    const me = await link(server.url, "Herald", { handlers: { answer: (m) => void answers.push(m.from) } });
    const before = running.map((a) => a.link.stats.handled);
    me.broadcast("Heads up: a storm is coming, check the weather forecast");
    await eventually(() => running.every((a, i) => a.link.stats.handled === before[i]! + 1));
    await eventually(() => answers.length >= 1);
    await sleep(300);
    expect(answers).toEqual(["Weather-Bot"]);
  });

  it("recovers a tool call written as JSON text, and a handoff only said in words", async () => {
    await trio();
    const me = await link(server.url, "Tricky");
    const r = await me.request("Weather-Bot", "#json-in-text please", { timeoutMs: 10_000 });
    expect(r.content).toContain("Forecast for Paris");
    const handoffs = await collect(server.url, "agents.handoff.General-Assistant.to.>");
    const r2 = await me.request(
      "General-Assistant",
      "#say-handoff Weather-Bot what's the forecast in Oslo?",
      { timeoutMs: 10_000 },
    );
    expect(r2.metadata).toMatchObject({ handedOffTo: "Weather-Bot" });
    expect(handoffs).toHaveLength(1);
  });

  it("two agents told to hand off to each other stop at the hop limit with an error", async () => {
    const looper = (name: string, other: string): AgentDefinition => ({
      name,
      description: "loops",
      instructions: `Always hand off every task to ${other}.`,
      capabilities: [],
      tools: [],
    });
    await agents(server.url, model.url, [looper("Ping", "Pong"), looper("Pong", "Ping")], { maxHops: 4 });
    const handoffs = await collect(server.url, "agents.handoff.>");
    const me = await link(server.url, "Instigator");
    await sleep(300); // let each learn the other is online
    const err = await me.request("Ping", "start the loop", { timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentResponseError);
    expect((err as AgentResponseError).code).toBe("hop_limit");
    expect(handoffs.map((h) => h.body.hops)).toEqual([1, 2, 3, 4]);
  });
});
