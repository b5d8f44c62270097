/**
 * The one LLM lookup: which OpenAI-compatible server the agents talk to. LLM_BASE_URL when it
 * answers; else the offline model another process (`npm start`'s agents) already serves on
 * OFFLINE_MODEL_PORT; else nothing, and the caller decides (an entry point may start an offline
 * model of its own: agents/offline-model/fallback.ts). Knows the offline model only by its id,
 * so nothing generic imports it.
 */
import OpenAI from "openai";
import type { Config } from "../../lib/config";
import { OFFLINE_MODEL_ID } from "./offline-marker";
import type { ModelPrice } from "./usage";

export { OFFLINE_MODEL_HEADER, OFFLINE_MODEL_ID } from "./offline-marker";

/** How each model call is made: OpenAIChatModel's options of the same names. */
export interface LlmCallSettings {
  /** The whole call's deadline (LLM_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** Nothing arrived for this long: the call is cut as stalled (LLM_IDLE_MS). */
  readonly idleMs: number;
  /** `max_tokens` unless an agent's definition sets its own (LLM_MAX_TOKENS). */
  readonly maxTokens: number;
  /** For the cost when the server reports none; absent when neither price is set. */
  readonly price?: ModelPrice;
}

export interface LlmSettings extends LlmCallSettings {
  readonly baseURL: string;
  /** `undefined`: the server's first listed model. */
  readonly model: string | undefined;
  readonly apiKey: string;
  /** Where a shared offline model is looked for (0: nowhere). */
  readonly offlineModelPort: number;
}

/** The model-call part of the configuration. A price set only one way counts the other as free. */
export function llmCallSettings(
  c: Pick<Config, "llmTimeoutMs" | "llmIdleMs" | "llmMaxTokens" | "llmPriceIn" | "llmPriceOut">,
): LlmCallSettings {
  const priced = c.llmPriceIn !== undefined || c.llmPriceOut !== undefined;
  return {
    timeoutMs: c.llmTimeoutMs,
    idleMs: c.llmIdleMs,
    maxTokens: c.llmMaxTokens,
    ...(priced ? { price: { inPerMTok: c.llmPriceIn ?? 0, outPerMTok: c.llmPriceOut ?? 0 } } : {}),
  };
}

/** The LLM part of the configuration. */
export function llmSettings(
  c: Pick<
    Config,
    | "llmBaseUrl"
    | "llmModel"
    | "llmApiKey"
    | "llmTimeoutMs"
    | "llmIdleMs"
    | "llmMaxTokens"
    | "llmPriceIn"
    | "llmPriceOut"
    | "offlineModelPort"
  >,
): LlmSettings {
  return {
    ...llmCallSettings(c),
    baseURL: c.llmBaseUrl,
    model: c.llmModel,
    apiKey: c.llmApiKey,
    offlineModelPort: c.offlineModelPort,
  };
}

export interface LlmTarget {
  readonly baseURL: string;
  readonly model: string;
  readonly apiKey: string;
  /** Switchboard's offline model, not a real LLM. */
  readonly offline: boolean;
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

/** The base URL of the offline model shared on `port`. */
export function offlineModelUrl(port: number): string {
  return `http://127.0.0.1:${port}/v1`;
}

/**
 * LLM_BASE_URL when it answers; else the offline model already served on OFFLINE_MODEL_PORT;
 * null when neither does.
 */
export async function findLlm(s: LlmSettings): Promise<LlmTarget | null> {
  const models = await listModels(s.baseURL, s.apiKey);
  if (models !== null && models.length > 0) {
    const model = s.model ?? models[0]!;
    return { baseURL: s.baseURL, model, apiKey: s.apiKey, offline: model === OFFLINE_MODEL_ID };
  }
  if (s.offlineModelPort === 0) return null; // "any free port": there is no shared one to find
  const shared = offlineModelUrl(s.offlineModelPort);
  if ((await listModels(shared, s.apiKey))?.includes(OFFLINE_MODEL_ID)) {
    return { baseURL: shared, model: OFFLINE_MODEL_ID, apiKey: s.apiKey, offline: true };
  }
  return null;
}
