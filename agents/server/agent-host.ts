/**
 * Agents that run inside the Next.js server, started and stopped through /api/agents. They live
 * in one process-wide host (kept on globalThis so it survives module reloads), keep running
 * across page reloads, and leave gracefully (offline announcement) when stopped.
 */
import "server-only";
import { onlineAgents } from "../../lib/registry/reducer";
import { RegistryWatcher, type NatsConnection } from "../../lib/transport";
import { connectNats } from "../../lib/transport/connect";
import { definitionFromSpec, type AgentSpec } from "../runtime/agent-spec";
import { OpenAIChatModel } from "../runtime/openai-model";
import { startAgent, type RunningAgent } from "../runtime/start-agent";
import { llmTarget } from "./llm-target";

/** How long a name check waits for "who is online?" answers (they take a few ms on a LAN). */
const DISCOVERY_WAIT_MS = 150;

export interface HostedAgent {
  readonly name: string;
  readonly spec: AgentSpec;
  readonly startedAt: string;
  readonly model: string;
}

/** The name is taken: an agent with it is online somewhere, or this server already runs it. */
export class AgentNameTakenError extends Error {
  override readonly name = "AgentNameTakenError";
  constructor(
    readonly agent: string,
    where: string,
  ) {
    super(`an agent named ${agent} is already online (${where}); choose another name`);
  }
}

export class UnknownAgentError extends Error {
  override readonly name = "UnknownAgentError";
  constructor(readonly agent: string) {
    super(`this server runs no agent named ${agent}`);
  }
}

export class AgentHost {
  private readonly running = new Map<string, { agent: RunningAgent; info: HostedAgent }>();
  private readonly starting = new Set<string>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly registry: RegistryWatcher,
  ) {}

  static get(): Promise<AgentHost> {
    const g = globalThis as unknown as { __switchboardHost?: Promise<AgentHost> };
    g.__switchboardHost ??= AgentHost.create().catch((e: unknown) => {
      g.__switchboardHost = undefined; // let the next call try again (NATS may come back)
      throw e;
    });
    return g.__switchboardHost;
  }

  private static async create(): Promise<AgentHost> {
    const nc = await connectNats({ name: "switchboard-server-agents", timeoutMs: 3_000 });
    const registry = await RegistryWatcher.start({ connection: nc, discoveryMs: 300 });
    return new AgentHost(nc, registry);
  }

  list(): HostedAgent[] {
    return [...this.running.values()].map((r) => r.info);
  }

  async start(spec: AgentSpec): Promise<HostedAgent> {
    if (this.running.has(spec.name) || this.starting.has(spec.name)) {
      throw new AgentNameTakenError(spec.name, "on this server");
    }
    this.starting.add(spec.name); // two requests for one name: the second is refused
    try {
      return await this.launch(spec);
    } finally {
      this.starting.delete(spec.name);
    }
  }

  private async launch(spec: AgentSpec): Promise<HostedAgent> {
    // The registry may not have heard of an agent that came online a moment ago: ask now.
    this.registry.discover();
    await new Promise((r) => setTimeout(r, DISCOVERY_WAIT_MS));
    const seen = this.registry.state.agents[spec.name];
    if (seen !== undefined && seen.status !== "offline") {
      throw new AgentNameTakenError(spec.name, `runs in ${seen.agent.runtime}`);
    }
    const llm = await llmTarget();
    const model = new OpenAIChatModel({
      baseURL: llm.baseURL,
      apiKey: llm.apiKey,
      model: spec.model ?? llm.model,
      timeoutMs: Number(process.env.LLM_TIMEOUT_MS ?? 60_000),
    });
    const agent = await startAgent(definitionFromSpec(spec, "server"), {
      connection: this.nc,
      model,
      online: () => onlineAgents(this.registry.state).map((e) => e.agent),
    });
    const info: HostedAgent = { name: spec.name, spec, startedAt: new Date().toISOString(), model: model.id };
    this.running.set(spec.name, { agent, info });
    return info;
  }

  async stop(name: string): Promise<void> {
    const r = this.running.get(name);
    if (r === undefined) throw new UnknownAgentError(name);
    this.running.delete(name);
    await r.agent.close();
  }
}
