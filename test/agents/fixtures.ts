// Starts agents from definitions against a harness server and the offline model.
import { OFFLINE_MODEL_ID, startOfflineModel, type OfflineModel } from "../../agents/offline-model";
import type { AgentDefinition } from "../../agents/runtime/definition";
import { OpenAIChatModel } from "../../agents/llm/openai-model";
import { startAgent, type RunningAgent, type StartAgentOptions } from "../../agents/runtime/start-agent";
import { silentLogger } from "../../lib/transport";
import { connection } from "../helpers";

export async function offlineModel(): Promise<OfflineModel> {
  return startOfflineModel({ port: 0, streamDelayMs: 2 });
}

export function chatModel(url: string, timeoutMs = 5_000): OpenAIChatModel {
  return new OpenAIChatModel({ baseURL: url, model: OFFLINE_MODEL_ID, timeoutMs });
}

const started: RunningAgent[] = [];

export async function agents(
  natsUrl: string,
  modelUrl: string,
  definitions: readonly AgentDefinition[],
  options: Partial<Omit<StartAgentOptions, "connection">> & { modelTimeoutMs?: number } = {},
): Promise<RunningAgent[]> {
  const out: RunningAgent[] = [];
  for (const d of definitions) {
    const a = await startAgent(d, {
      connection: await connection(natsUrl, { role: "agent", name: d.name, runtime: d.runtime ?? "process" }),
      model: chatModel(modelUrl, options.modelTimeoutMs),
      logger: silentLogger,
      delegateTimeoutMs: 10_000,
      ...options,
    });
    started.push(a);
    out.push(a);
  }
  return out;
}

export async function stopAgents(): Promise<void> {
  await Promise.allSettled(started.splice(0).map((a) => a.close()));
}
