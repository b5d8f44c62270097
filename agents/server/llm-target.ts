/**
 * Which OpenAI-compatible server the Next.js server uses, for its own agents and for the LLM
 * proxy that browser agents call: LLM_BASE_URL when it answers; else the offline model that
 * `npm start` runs on OFFLINE_MODEL_PORT; else an offline model of its own. Re-checked at most
 * every 15 s, so starting LM Studio later is picked up.
 */
import "server-only";
import { OFFLINE_MODEL_ID, startOfflineModel, type OfflineModel } from "../offline-model";
import { findLlm, llmSettingsFromEnv, type LlmTarget } from "../runtime/llm-config";

const RECHECK_MS = 15_000;
const state = globalThis as unknown as {
  __switchboardLlm?: { target: LlmTarget; at: number };
  __switchboardOffline?: Promise<OfflineModel>;
};

export type { LlmTarget };

export async function llmTarget(): Promise<LlmTarget> {
  const cached = state.__switchboardLlm;
  if (cached !== undefined && Date.now() - cached.at < RECHECK_MS) return cached.target;
  const target = await resolve();
  state.__switchboardLlm = { target, at: Date.now() };
  return target;
}

async function resolve(): Promise<LlmTarget> {
  const s = llmSettingsFromEnv();
  const found = await findLlm(s);
  if (found !== null) return found;
  state.__switchboardOffline ??= startOfflineModel({ port: 0 }).then((m) => {
    console.warn(
      `[server] no LLM at ${s.baseURL}: server agents use Switchboard's OFFLINE MODEL (rules, not an LLM) at ${m.url}`,
    );
    return m;
  });
  const own = await state.__switchboardOffline;
  return { baseURL: own.url, model: OFFLINE_MODEL_ID, apiKey: s.apiKey, offline: true };
}
