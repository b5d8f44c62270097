/**
 * Agents that run inside the Next.js server, started and stopped through /api/agents. They live
 * in one process-wide host (kept on globalThis so it survives module reloads), keep running
 * across page reloads, and leave gracefully (offline announcement) when stopped. Its settings
 * come from the route handlers' server context (app/api/server-context.ts), which reads them.
 *
 * Each agent is its own identity: a credential minted for its name (role agent, runtime server)
 * and renewed while it runs, on a NATS connection of its own, so it can speak only as itself.
 * The host watches presence through a `dashboard` connection, which may speak as nobody.
 */
import "server-only";
import type { IdentityAuthority } from "../../lib/identity";
import { onlineAgents, type RegistryEntry } from "../../lib/registry/reducer";
import { consoleLogger, RegistryWatcher, type NatsConnection } from "../../lib/transport";
import type { LlmCallSettings, LlmTarget } from "../llm/lookup";
import { OpenAIChatModel } from "../llm/openai-model";
import { definitionFromSpec, type AgentSpec } from "../runtime/agent-spec";
import type { RunSettings } from "../runtime/budget";
import { startAgent, type RunningAgent } from "../runtime/start-agent";
import { DASHBOARD_NAME, dashboardCredentials } from "./dashboard-credentials";
import { AgentLimitError, NameTakenError, ServerUnavailableError, UnknownAgentError } from "./errors";
import { connectAs } from "./mesh-connection";
import { RenewingCredential } from "./renewing-credential";

/** How long a name check waits for "who is online?" answers (they take a few ms on a LAN). */
const DISCOVERY_WAIT_MS = 150;

const log = consoleLogger("server-agents");

export interface HostedAgent {
  readonly name: string;
  readonly spec: AgentSpec;
  readonly startedAt: string;
  readonly model: string;
}

export interface AgentHostOptions {
  readonly natsUrl: string;
  /** Subject root of the mesh the agents join. */
  readonly root: string;
  /** How each model call is made: deadlines, max_tokens, price (LLM_TIMEOUT_MS, LLM_IDLE_MS, ...). */
  readonly llmCalls: LlmCallSettings;
  /** The log's settings for the agents' links (DELIVERY_TTL_MS, OUTBOX_MAX_BYTES). */
  readonly durable?: { readonly deliveryTtlMs: number; readonly outboxMaxBytes: number };
  /** Budgets, fan-out, max_tokens and memory bounds of the agents' runs (from the configuration). */
  readonly run?: RunSettings;
  /** The LLM server an agent started now uses (agents/server/llm-target.ts). */
  readonly llm: () => Promise<LlmTarget>;
  /** How many agents this server may run at once. */
  readonly maxAgents: number;
  /** Where `npm start` leaves the dashboard's creds file (SWITCHBOARD_DATA_DIR). */
  readonly dataDir: string;
  /** Lifetime of the credentials minted here (renewed at half). */
  readonly credentialTtlMs: number;
  /** The trust chain that mints them (./identity-authority.ts). */
  readonly authority: () => Promise<IdentityAuthority>;
}

interface Hosted {
  readonly agent: RunningAgent;
  readonly connection: NatsConnection;
  readonly credential: RenewingCredential;
  readonly info: HostedAgent;
}

export class AgentHost {
  private readonly running = new Map<string, Hosted>();
  private readonly starting = new Set<string>();

  private constructor(
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
    const who = await dashboardCredentials({
      dataDir: o.dataDir,
      root: o.root,
      ttlMs: o.credentialTtlMs,
      authority: o.authority,
      onError: (e) => log.warn(e.message),
    });
    try {
      const nc = await connectAs(o.natsUrl, DASHBOARD_NAME, who.credentials);
      const registry = await RegistryWatcher.start({
        connection: nc,
        root: o.root,
        discoveryMs: 300,
        observerName: DASHBOARD_NAME,
      });
      return new AgentHost(registry, o);
    } catch (e) {
      who.close();
      throw e;
    }
  }

  list(): HostedAgent[] {
    return [...this.running.values()].map((r) => r.info);
  }

  /**
   * The registry's entry for `name` when an agent by that name is online now. Asks "who is
   * online?" first: the registry may not have heard of an agent that came online a moment ago.
   */
  async online(name: string): Promise<RegistryEntry | undefined> {
    this.registry.discover();
    await new Promise((r) => setTimeout(r, DISCOVERY_WAIT_MS));
    const seen = this.registry.state.agents[name];
    return seen !== undefined && seen.status !== "offline" ? seen : undefined;
  }

  async start(spec: AgentSpec): Promise<HostedAgent> {
    if (this.running.has(spec.name) || this.starting.has(spec.name)) {
      throw new NameTakenError(spec.name, `an agent named ${spec.name} is already online (on this server)`);
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
    const seen = await this.online(spec.name);
    if (seen !== undefined) {
      throw new NameTakenError(
        spec.name,
        `an agent named ${spec.name} is already online (runs in ${seen.agent.runtime})`,
      );
    }
    const credential = await this.credentialFor(spec.name);
    let connection: NatsConnection | undefined;
    try {
      connection = await connectAs(this.o.natsUrl, spec.name, credential.credentials);
      const llm = await this.o.llm();
      const model = new OpenAIChatModel({
        ...this.o.llmCalls,
        baseURL: llm.baseURL,
        apiKey: llm.apiKey,
        model: spec.model ?? llm.model,
      });
      const agent = await startAgent(definitionFromSpec(spec, "server"), {
        connection,
        root: this.o.root,
        model,
        online: () => onlineAgents(this.registry.state).map((e) => e.agent),
        ...(this.o.durable === undefined ? {} : { durable: this.o.durable }),
        ...this.o.run,
      });
      const info: HostedAgent = {
        name: spec.name,
        spec,
        startedAt: new Date().toISOString(),
        model: model.id,
      };
      this.running.set(spec.name, { agent, connection, credential, info });
      return info;
    } catch (e) {
      await connection?.close().catch(() => {});
      credential.close();
      throw e;
    }
  }

  /** A credential for a server agent named `name`, renewed while it runs. */
  private async credentialFor(name: string): Promise<RenewingCredential> {
    try {
      const authority = await this.o.authority();
      return await RenewingCredential.start(
        () =>
          authority.mint({
            role: "agent",
            name,
            runtime: "server",
            root: this.o.root,
            ttlMs: this.o.credentialTtlMs,
          }),
        (e) => log.warn(`${name}: ${e.message}`),
      );
    } catch (e) {
      if (e instanceof ServerUnavailableError) throw e;
      throw new ServerUnavailableError(`cannot mint a credential for ${name}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async stop(name: string): Promise<void> {
    const r = this.running.get(name);
    if (r === undefined) throw new UnknownAgentError(name);
    this.running.delete(name);
    try {
      await r.agent.close(); // announces offline over its own connection, so before closing it
    } finally {
      r.credential.close();
      await r.connection.close();
    }
  }
}
