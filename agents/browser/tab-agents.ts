/**
 * Agents that run inside this browser tab: the same OODA runtime as everywhere else, on the
 * tab's WebSocket connection, thinking through the server's LLM proxy (/api/llm/v1). They
 * announce themselves, heartbeat, serve, and say goodbye when the tab closes (where the browser
 * lets a last message out; otherwise missed heartbeats mark them offline).
 *
 * Everything it needs is handed in (the connection, the root, who is online), so it knows
 * nothing of the dashboard's store or session; the session owns it.
 */
import type { AgentMetadata } from "../../lib/protocol";
import type { NatsConnection } from "../../lib/transport";
import { AgentSpec, definitionFromSpec, specProblems } from "../runtime/agent-spec";
import { OpenAIChatModel } from "../llm/openai-model";
import { startAgent, type RunningAgent } from "../runtime/start-agent";

/** Short, so a tab that vanishes without a word is noticed within 3 x 5 s. */
export const TAB_AGENT_HEARTBEAT_MS = 5_000;

export interface TabAgentsOptions {
  /** The tab's NATS connection, or null while there is none yet. */
  readonly connection: () => NatsConnection | null;
  readonly root: string;
  /** Who is online now: the agents think with it, and a name in use is refused. */
  readonly online: () => readonly AgentMetadata[];
  /** The OpenAI-compatible endpoint (default: this page's `/api/llm/v1`, the server's proxy). */
  readonly llmBaseUrl?: string;
}

export class TabAgents {
  private readonly running = new Map<string, RunningAgent>();

  constructor(private readonly o: TabAgentsOptions) {}

  names(): string[] {
    return [...this.running.keys()];
  }

  has(name: string): boolean {
    return this.running.has(name);
  }

  /** Starts an agent in this tab; throws an Error whose message says what is wrong. Returns its name. */
  async start(input: unknown): Promise<string> {
    const parsed = AgentSpec.safeParse(input);
    if (!parsed.success) throw new Error(specProblems(parsed.error));
    const spec = parsed.data;
    const nc = this.o.connection();
    if (nc === null) throw new Error("not connected to NATS yet");
    const seen = this.o.online().find((a) => a.name === spec.name);
    if (this.running.has(spec.name) || seen !== undefined) {
      throw new Error(
        `an agent named ${spec.name} is already online${seen === undefined ? "" : ` (runs in ${seen.runtime})`}; choose another name`,
      );
    }
    const baseURL = this.o.llmBaseUrl ?? `${location.origin}/api/llm/v1`;
    const model = spec.model ?? (await firstModel(baseURL));
    const agent = await startAgent(definitionFromSpec(spec, "browser"), {
      connection: nc,
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
    this.running.set(spec.name, agent);
    return spec.name;
  }

  async stop(name: string): Promise<void> {
    const a = this.running.get(name);
    if (a === undefined) return;
    this.running.delete(name);
    await a.close();
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
