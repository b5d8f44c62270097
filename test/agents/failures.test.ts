// An agent whose LLM fails in every way we know keeps heartbeating and answers each request with
// an error in time; a streaming run stops within a second of a cancel.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FailureMode, OfflineModel } from "../../agents/offline-model";
import { generalAssistant } from "../../agents/demo/definitions";
import { AgentResponseError } from "../../lib/transport";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { collect, eventually, link, sleep } from "../helpers";
import { agents, offlineModel, stopAgents } from "./fixtures";

const MODEL_TIMEOUT_MS = 1_500;
const HEARTBEAT_MS = 200;
let server: NatsServerHandle;
let model: OfflineModel;
beforeAll(async () => {
  server = await startNatsServer();
  model = await offlineModel();
});
afterEach(async () => {
  model.setMode("ok");
  await stopAgents();
});
afterAll(async () => {
  await model.close();
  await server.stop();
});

const cases: [FailureMode | "refused", string][] = [
  ["error500", "llm_server_error"],
  ["rate429", "llm_rate_limited"],
  ["hang", "llm_timeout"],
  // Headers, then nothing; or chunks forever: cut by the call's whole deadline, slot freed.
  ["stall", "llm_timeout"],
  ["endless", "llm_timeout"],
  ["garbage", "llm_bad_response"],
  ["refused", "llm_unreachable"],
];

describe("LLM failures", () => {
  it.each(cases)("%s becomes an error response (%s) in time, while heartbeats go on", async (mode, code) => {
    const url = mode === "refused" ? "http://127.0.0.1:1/v1" : model.url;
    if (mode !== "refused") model.setMode(mode);
    await agents(server.url, url, [generalAssistant], {
      heartbeatMs: HEARTBEAT_MS,
      modelTimeoutMs: MODEL_TIMEOUT_MS,
    });
    const beats = await collect(server.url, "agents.heartbeat.General-Assistant.process");
    const me = await link(server.url, "Victim");
    const t0 = Date.now();
    const err = await me
      .request("General-Assistant", "hello?", { timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(AgentResponseError);
    expect((err as AgentResponseError).code).toBe(code);
    expect(took).toBeLessThanOrEqual(MODEL_TIMEOUT_MS + 1_000);
    // Heartbeats kept coming during the failure, and the agent still serves once the model is back.
    expect(beats.length).toBeGreaterThanOrEqual(Math.floor(took / HEARTBEAT_MS) - 1);
    // The heartbeats travel on another connection than the answer: wait for them to land.
    const statuses = () => beats.map((b) => (b.body.agent as { status: string }).status);
    await eventually(() => statuses().includes("busy"));
    expect(statuses()).toContain("busy");
    await eventually(() => (beats.at(-1)?.body.agent as { status: string } | undefined)?.status === "online");
    if (mode !== "refused") {
      model.setMode("ok");
      const ok = await me.request("General-Assistant", "better now?", { timeoutMs: 10_000 });
      expect(ok.content).toContain("better now?");
    }
  });
});

describe("cancel", () => {
  it("stops a streaming run within a second and answers 'canceled'", async () => {
    model.setMode("slow-stream");
    await agents(server.url, model.url, [generalAssistant], { modelTimeoutMs: 30_000 });
    const requests = await collect(server.url, "agents.request.General-Assistant.*");
    const streamed: string[] = [];
    const me = await link(server.url, "Canceller");
    const answer = me
      .request("General-Assistant", "#stream-long tell me everything", {
        timeoutMs: 30_000,
        onStream: (c) => void streamed.push(c.content),
      })
      .catch((e: unknown) => e);
    await eventually(() => streamed.length >= 1, 5_000);
    const taskId = requests[0]!.body.id as string;
    const t0 = Date.now();
    me.cancel("General-Assistant", taskId, "enough");
    const err = await answer;
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(AgentResponseError);
    expect((err as AgentResponseError).code).toBe("canceled");
    // The model call itself was aborted, not left running.
    await eventually(() => model.stats.inFlight === 0, 1_000);
    const seen = streamed.length;
    await sleep(700);
    expect(streamed.length).toBe(seen);
  });
});
