/**
 * The route handlers' entry point to the server side: reads the configuration (the one place on
 * the server that passes `process.env` to readConfig) and wires the generic parts together: the
 * admission checks, the trust chain, the agent host, the LLM lookup, and the offline-model
 * fallback, which only an entry point may import. Read per call (it is cheap), so the
 * environment at request time is what counts.
 */
import "server-only";
import { serverOfflineFallback } from "../../agents/offline-model/fallback";
import { llmCallSettings, llmSettings } from "../../agents/llm/lookup";
import { AgentHost } from "../../agents/server/agent-host";
import { refuseCrossSite, refuseUnknownHost } from "../../agents/server/http";
import { identityAuthority } from "../../agents/server/identity-authority";
import { llmTarget, type LlmTarget } from "../../agents/server/llm-target";
import { requireSession } from "../../agents/server/session";
import { runSettings } from "../../agents/runtime/budget";
import { readConfig, type Config } from "../../lib/config";
import type { IdentityAuthority } from "../../lib/identity";

export function serverConfig(): Config {
  return readConfig(process.env);
}

/**
 * What every route checks first: the host it was sent to (403), the session (401), and for a
 * change, that it is not cross-site (403).
 */
export function admit(req: Request, change: boolean): void {
  refuseUnknownHost(req, serverConfig().dashboardHostnames);
  requireSession(req);
  if (change) refuseCrossSite(req);
}

/** The installation's trust chain, which mints every credential the server hands out. */
export function authority(): Promise<IdentityAuthority> {
  return identityAuthority(serverConfig().dataDir);
}

/** The LLM server agents started here and the LLM proxy use. */
export function currentLlm(): Promise<LlmTarget> {
  return llmTarget(llmSettings(serverConfig()), serverOfflineFallback);
}

export function agentHost(): Promise<AgentHost> {
  const c = serverConfig();
  return AgentHost.get({
    natsUrl: c.natsUrl,
    root: c.subjectRoot,
    llmCalls: llmCallSettings(c),
    durable: { deliveryTtlMs: c.deliveryTtlMs, outboxMaxBytes: c.outboxMaxBytes },
    run: runSettings(c),
    llm: currentLlm,
    maxAgents: c.serverAgentLimit,
    dataDir: c.dataDir,
    credentialTtlMs: c.credentialTtlMs,
    authority,
  });
}
