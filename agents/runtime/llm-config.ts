/**
 * Which model the agents talk to. LM Studio (or any OpenAI-compatible server) at LLM_BASE_URL
 * when it answers; otherwise, when allowed, Switchboard's offline model, announced loudly so
 * nobody mistakes its canned answers for a real LLM.
 */
import OpenAI from "openai";
import { OFFLINE_MODEL_ID, startOfflineModel, type OfflineModel } from "../offline-model";
import { OpenAIChatModel } from "./openai-model";

export const DEFAULT_LLM_BASE_URL = "http://localhost:1234/v1";

export interface LlmSettings {
  readonly baseURL: string;
  readonly model: string | undefined;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

export function llmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LlmSettings {
  return {
    baseURL: env.LLM_BASE_URL ?? DEFAULT_LLM_BASE_URL,
    model: env.LLM_MODEL,
    apiKey: env.LLM_API_KEY ?? "lm-studio",
    timeoutMs: Number(env.LLM_TIMEOUT_MS ?? 60_000),
  };
}

export interface ResolvedModel {
  readonly model: OpenAIChatModel;
  readonly baseURL: string;
  /** Set when the offline model was started because LLM_BASE_URL did not answer. */
  readonly offline: OfflineModel | undefined;
  close(): Promise<void>;
}

/** Lists the server's models; null when it does not answer within `timeoutMs`. */
export async function listModels(
  baseURL: string,
  apiKey: string,
  timeoutMs = 2_000,
): Promise<string[] | null> {
  try {
    const client = new OpenAI({ baseURL, apiKey, timeout: timeoutMs, maxRetries: 0 });
    const page = await client.models.list();
    return page.data.map((m) => m.id);
  } catch {
    return null;
  }
}

export interface LlmTarget {
  readonly baseURL: string;
  readonly model: string;
  readonly apiKey: string;
  /** Switchboard's offline model, not a real LLM. */
  readonly offline: boolean;
}

/**
 * LLM_BASE_URL when it answers; else the offline model another process (`npm start`'s agents)
 * already serves on OFFLINE_MODEL_PORT; null when neither does.
 */
export async function findLlm(s: LlmSettings): Promise<LlmTarget | null> {
  const models = await listModels(s.baseURL, s.apiKey);
  if (models !== null && models.length > 0) {
    const model = s.model ?? models[0]!;
    return { baseURL: s.baseURL, model, apiKey: s.apiKey, offline: model === OFFLINE_MODEL_ID };
  }
  const shared = `http://127.0.0.1:${process.env.OFFLINE_MODEL_PORT ?? 1235}/v1`;
  if ((await listModels(shared, s.apiKey))?.includes(OFFLINE_MODEL_ID)) {
    return { baseURL: shared, model: OFFLINE_MODEL_ID, apiKey: s.apiKey, offline: true };
  }
  return null;
}

export async function resolveModel(
  s: LlmSettings,
  opts: { allowOffline: boolean; log?: (line: string) => void } = { allowOffline: true },
): Promise<ResolvedModel> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const found = await findLlm(s);
  if (found !== null && !found.offline) {
    log(`[agents] LLM: ${found.model} at ${found.baseURL}`);
    return {
      model: new OpenAIChatModel({ ...s, ...found }),
      baseURL: found.baseURL,
      offline: undefined,
      close: async () => {},
    };
  }
  if (!opts.allowOffline) {
    throw new Error(`no LLM answers at ${s.baseURL} (start LM Studio and load a model, or set LLM_BASE_URL)`);
  }
  // Reuse an offline model already running; else start one on the known port (so `npm run
  // doctor` and people find it), or on any free one if that is taken.
  const preferred = Number(process.env.OFFLINE_MODEL_PORT ?? 1235);
  const offline =
    found === null
      ? await startOfflineModel({ port: preferred }).catch(() => startOfflineModel({ port: 0 }))
      : undefined;
  const url = found?.baseURL ?? offline!.url;
  const lines = [
    `NO LLM answers at ${s.baseURL}`,
    "Agents run on Switchboard's OFFLINE MODEL: deterministic rules, NOT an LLM.",
    `Offline model: ${url}. Start LM Studio (port 1234) or set LLM_BASE_URL for real answers.`,
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const banner = [
    "",
    `  ┌${"─".repeat(width + 2)}┐`,
    ...lines.map((l) => `  │ ${l.padEnd(width)} │`),
    `  └${"─".repeat(width + 2)}┘`,
    "",
  ];
  log(banner.join("\n"));
  return {
    model: new OpenAIChatModel({ ...s, baseURL: url, model: OFFLINE_MODEL_ID }),
    baseURL: url,
    offline,
    close: async () => offline?.close(),
  };
}
