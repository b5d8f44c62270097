/**
 * Agents that run inside the Next.js server, started and stopped through /api/agents. They live
 * in one process-wide host (kept on globalThis so it survives module reloads), keep running
 * across page reloads, and leave gracefully (offline announcement) when stopped. Its settings
 * come from the route handlers' server context (app/api/server-context.ts), which reads them.
 */
import "server-only";
import { onlineAgents } from "../../lib/registry/reducer";
import { RegistryWatcher, type NatsConnection } from "../../lib/transport";
import { connectNats } from "../../lib/transport/connect";
import type { LlmTarget } from "../llm/lookup";
import { OpenAIChatModel } from "../llm/openai-model";
import { definitionFromSpec, type AgentSpec } from "../runtime/agent-spec";
import { startAgent, type RunningAgent } from "../runtime/start-agent";

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

/** The server runs as many agents as it may (SERVER_AGENT_LIMIT). */
export class AgentLimitError extends Error {
  override readonly name = "AgentLimitError";
  constructor(readonly limit: number) {
    super(`this server already runs ${limit} agents, its limit (SERVER_AGENT_LIMIT); stop one first`);
  }
}

export interface AgentHostOptions {
  readonly natsUrl: string;
  /** Subject root of the mesh the agents join. */
  readonly root: string;
  /** Deadline of one model call (ms). */
  readonly llmTimeoutMs: number;
  /** The LLM server an agent started now uses (agents/server/llm-target.ts). */
  readonly llm: () => Promise<LlmTarget>;
  /** How many agents this server may run at once. */
  readonly maxAgents: number;
}

export class AgentHost {
  private readonly running = new Map<string, { agent: RunningAgent; info: HostedAgent }>();
  private readonly starting = new Set<string>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly registry: RegistryWatcher,
    private readonly o: AgentHostOptions,
  ) {}

  /** The process-wide host; the options of the call that creates it are the ones it keeps. */
  static get(options: AgentHostOptions): Promise<AgentHost> {
    const g = globalThis as unknown as { __switchboardHost?: Promise<AgentHost> };
    g.__switchboardHost ??= AgentHost.create(options).catch((e: unknown) => {
      g.__switchboardHost = undefined; // let the next call try again (NATS may come back)
      throw e;
    });
    return g.__switchboardHost;
  }

  private static async create(o: AgentHostOptions): Promise<AgentHost> {
    const nc = await connectNats({ servers: o.natsUrl, name: "switchboard-server-agents", timeoutMs: 3_000 });
    const registry = await RegistryWatcher.start({ connection: nc, root: o.root, discoveryMs: 300 });
    return new AgentHost(nc, registry, o);
  }

  list(): HostedAgent[] {
    return [...this.running.values()].map((r) => r.info);
  }

  async start(spec: AgentSpec): Promise<HostedAgent> {
    if (this.running.has(spec.name) || this.starting.has(spec.name)) {
      throw new AgentNameTakenError(spec.name, "on this server");
    }
    // Counted with the ones still starting, so a burst of requests cannot overshoot the limit.
    if (this.running.size + this.starting.size >= this.o.maxAgents)
      throw new AgentLimitError(this.o.maxAgents);
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
    const llm = await this.o.llm();
    const model = new OpenAIChatModel({
      baseURL: llm.baseURL,
      apiKey: llm.apiKey,
      model: spec.model ?? llm.model,
      timeoutMs: this.o.llmTimeoutMs,
    });
    const agent = await startAgent(definitionFromSpec(spec, "server"), {
      connection: this.nc,
      root: this.o.root,
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
