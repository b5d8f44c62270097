/**
 * The offline-model fallback, for entry points only (agents/main.ts, scripts/demo.ts and the
 * route handlers' server context): when no LLM answers, start Switchboard's offline model and
 * say so loudly, so nobody mistakes its canned answers for a real LLM. It lives here, beside the
 * offline model, because the generic layers (agents/llm, agents/server) must not import a leaf;
 * they receive this as a function.
 */
import { findLlm, type LlmCallSettings, type LlmSettings, type LlmTarget } from "../llm/lookup";
import { OpenAIChatModel } from "../llm/openai-model";
import { OFFLINE_MODEL_ID, startOfflineModel, type OfflineModel } from "./server";

export interface ResolvedModel {
  readonly model: OpenAIChatModel;
  readonly baseURL: string;
  /** Set when the offline model was started because LLM_BASE_URL did not answer. */
  readonly offline: OfflineModel | undefined;
  close(): Promise<void>;
}

/** The LLM that answers (see findLlm); else, when allowed, an offline model started here. */
export async function resolveModel(
  s: LlmSettings,
  opts: { allowOffline: boolean; log?: (line: string) => void } = { allowOffline: true },
): Promise<ResolvedModel> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const found = await findLlm(s);
  if (found !== null && !found.offline) {
    log(`[agents] LLM: ${found.model} at ${found.baseURL}`);
    return {
      model: new OpenAIChatModel({ ...callOptions(s), ...found }),
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
  const offline =
    found === null
      ? await startOfflineModel({ port: s.offlineModelPort }).catch(() => startOfflineModel({ port: 0 }))
      : undefined;
  const url = found?.baseURL ?? offline!.url;
  log(
    banner([
      `NO LLM answers at ${s.baseURL}`,
      "Agents run on Switchboard's OFFLINE MODEL: deterministic rules, NOT an LLM.",
      `Offline model: ${url}. Start LM Studio (port 1234) or set LLM_BASE_URL for real answers.`,
    ]),
  );
  return {
    model: new OpenAIChatModel({
      ...callOptions(s),
      apiKey: s.apiKey,
      baseURL: url,
      model: OFFLINE_MODEL_ID,
    }),
    baseURL: url,
    offline,
    close: async () => offline?.close(),
  };
}

const serverState = globalThis as unknown as { __switchboardOffline?: Promise<OfflineModel> };

/**
 * The server's fallback (given to agents/server/llm-target.ts): one offline model per process,
 * on any free port, started on first need and kept on globalThis so module reloads share it.
 */
export async function serverOfflineFallback(s: LlmSettings): Promise<LlmTarget> {
  serverState.__switchboardOffline ??= startOfflineModel({ port: 0 }).then((m) => {
    console.warn(
      `[server] no LLM at ${s.baseURL}: server agents use Switchboard's OFFLINE MODEL (rules, not an LLM) at ${m.url}`,
    );
    return m;
  });
  const own = await serverState.__switchboardOffline;
  return { baseURL: own.url, model: OFFLINE_MODEL_ID, apiKey: s.apiKey, offline: true };
}

/** Only the call settings: the rest of LlmSettings (the lookup's) is no model option. */
function callOptions(s: LlmCallSettings): LlmCallSettings {
  return {
    timeoutMs: s.timeoutMs,
    idleMs: s.idleMs,
    maxTokens: s.maxTokens,
    ...(s.price === undefined ? {} : { price: s.price }),
  };
}

function banner(lines: readonly string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  return [
    "",
    `  ┌${"─".repeat(width + 2)}┐`,
    ...lines.map((l) => `  │ ${l.padEnd(width)} │`),
    `  └${"─".repeat(width + 2)}┘`,
    "",
  ].join("\n");
}
