/**
 * Which OpenAI-compatible server the Next.js server uses, for its own agents and for the LLM
 * proxy that browser agents call: LLM_BASE_URL when it answers; else the offline model that
 * `npm start` runs on OFFLINE_MODEL_PORT; else whatever `fallback` gives (the route handlers'
 * server context passes one that starts an offline model: this module stays generic). Re-checked
 * at most every 15 s, so starting LM Studio later is picked up.
 */
import "server-only";
import { findLlm, type LlmSettings, type LlmTarget } from "../llm/lookup";

const RECHECK_MS = 15_000;
const state = globalThis as unknown as { __switchboardLlm?: { target: LlmTarget; at: number } };

export type { LlmTarget };

/** What to use when no LLM answers; may start one. */
export type LlmFallback = (settings: LlmSettings) => Promise<LlmTarget>;

export async function llmTarget(settings: LlmSettings, fallback: LlmFallback): Promise<LlmTarget> {
  const cached = state.__switchboardLlm;
  if (cached !== undefined && Date.now() - cached.at < RECHECK_MS) return cached.target;
  const target = (await findLlm(settings)) ?? (await fallback(settings));
  state.__switchboardLlm = { target, at: Date.now() };
  return target;
}
