/**
 * Agents that run inside this browser tab: the same OODA runtime as everywhere else, thinking
 * through the server's LLM proxy (/api/llm/v1). They announce themselves, heartbeat, serve, and
 * say goodbye when the tab closes (where the browser lets a last message out; otherwise missed
 * heartbeats mark them offline).
 *
 * Each agent is its own identity on the bus: its own credential (minted for its name, role agent,
 * runtime browser) and its own WebSocket connection, so the server lets it speak only as itself
 * and not as the tab's person or another agent. Stopping the agent closes that connection.
 *
 * Everything it needs is handed in (how to connect as a name, the root, who is online), so it
 * knows nothing of credentials, the dashboard's store or session; the session owns it.
 */
import type { AgentMetadata } from "../../lib/protocol";
import type { NatsConnection } from "../../lib/transport";
import { AgentSpec, definitionFromSpec, specProblems } from "../runtime/agent-spec";
import { OpenAIChatModel } from "../llm/openai-model";
import { startAgent, type RunningAgent } from "../runtime/start-agent";

/** Short, so a tab that vanishes without a word is noticed within 3 x 5 s. */
export const TAB_AGENT_HEARTBEAT_MS = 5_000;

/** An agent's own connection, and the way to end it (and stop renewing its credential). */
export interface AgentConnection {
  readonly connection: NatsConnection;
  close(): Promise<void>;
}

export interface TabAgentsOptions {
  /** Opens a connection that speaks as `name`; rejects with an Error a person can read. */
  readonly connect: (name: string) => Promise<AgentConnection>;
  readonly root: string;
  /** Who is online now: the agents think with it, and a name in use is refused. */
  readonly online: () => readonly AgentMetadata[];
  /** The OpenAI-compatible endpoint (default: this page's `/api/llm/v1`, the server's proxy). */
  readonly llmBaseUrl?: string;
}

interface TabAgent {
  readonly agent: RunningAgent;
  readonly connection: AgentConnection;
}

export class TabAgents {
  private readonly running = new Map<string, TabAgent>();
  /** Names being started: a second start of the same name is refused, not raced. */
  private readonly starting = new Set<string>();

  constructor(private readonly o: TabAgentsOptions) {}

  /** Starts an agent in this tab; throws an Error whose message says what is wrong. Returns its name. */
  async start(input: unknown): Promise<string> {
    const parsed = AgentSpec.safeParse(input);
    if (!parsed.success) throw new Error(specProblems(parsed.error));
    const spec = parsed.data;
    const seen = this.o.online().find((a) => a.name === spec.name);
    if (this.running.has(spec.name) || this.starting.has(spec.name) || seen !== undefined) {
      throw new Error(
        `an agent named ${spec.name} is already online${seen === undefined ? "" : ` (runs in ${seen.runtime})`}; choose another name`,
      );
    }
    this.starting.add(spec.name);
    try {
      // The credential first: a name the server will not sign (taken, or the page signed out)
      // is the person's first problem to hear about.
      const connection = await this.o.connect(spec.name);
      try {
        const baseURL = this.o.llmBaseUrl ?? `${location.origin}/api/llm/v1`;
        const model = spec.model ?? (await firstModel(baseURL));
        const agent = await startAgent(definitionFromSpec(spec, "browser"), {
          connection: connection.connection,
          root: this.o.root,
          model: new OpenAIChatModel({
            baseURL,
            model,
            apiKey: "proxied-by-the-server",
            browser: true,
            timeoutMs: 60_000,
          }),
          online: this.o.online,
          heartbeatMs: TAB_AGENT_HEARTBEAT_MS,
        });
        this.running.set(spec.name, { agent, connection });
      } catch (e) {
        await connection.close();
        throw e;
      }
    } finally {
      this.starting.delete(spec.name);
    }
    return spec.name;
  }

  /** Stops the agent (it says goodbye on its connection), then closes that connection. */
  async stop(name: string): Promise<void> {
    const a = this.running.get(name);
    if (a === undefined) return;
    this.running.delete(name);
    await a.agent.close().catch(() => {});
    await a.connection.close();
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.running.keys()].map((n) => this.stop(n)));
  }
}

async function firstModel(baseURL: string): Promise<string> {
  const r = await fetch(`${baseURL}/models`);
  if (!r.ok) throw new Error(`the server's LLM proxy answered ${r.status}: ${await r.text()}`);
  const body = (await r.json()) as { data?: { id: string }[] };
  const id = body.data?.[0]?.id;
  if (id === undefined) throw new Error("the server's LLM has no model loaded");
  return id;
}
