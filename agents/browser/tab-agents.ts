/**
 * Agents that run inside this browser tab: the same OODA runtime as everywhere else, on the
 * tab's WebSocket connection, thinking through the server's LLM proxy (/api/llm/v1). They
 * announce themselves, heartbeat, serve, and say goodbye when the tab closes (where the browser
 * lets a last message out; otherwise missed heartbeats mark them offline).
 */
import { onlineAgents } from "../../lib/registry/reducer";
import type { DashboardStore } from "../../lib/store/dashboard-store";
import type { LiveConnection } from "../../lib/store/live";
import { AgentSpec, definitionFromSpec, specProblems } from "../runtime/agent-spec";
import { OpenAIChatModel } from "../runtime/openai-model";
import { startAgent, type RunningAgent } from "../runtime/start-agent";

/** Short, so a tab that vanishes without a word is noticed within 3 x 5 s. */
export const TAB_AGENT_HEARTBEAT_MS = 5_000;

export class TabAgents {
  private readonly running = new Map<string, RunningAgent>();

  constructor(
    private readonly live: LiveConnection,
    private readonly store: DashboardStore,
    private readonly root: string,
  ) {}

  names(): string[] {
    return [...this.running.keys()];
  }

  /** Starts an agent in this tab; throws an Error whose message says what is wrong. */
  async start(input: unknown): Promise<void> {
    const parsed = AgentSpec.safeParse(input);
    if (!parsed.success) throw new Error(specProblems(parsed.error));
    const spec = parsed.data;
    const nc = this.live.connection;
    if (nc === null) throw new Error("not connected to NATS yet");
    const seen = this.store.getState().registry.agents[spec.name];
    if (this.running.has(spec.name) || (seen !== undefined && seen.status !== "offline")) {
      throw new Error(
        `an agent named ${spec.name} is already online${seen === undefined ? "" : ` (runs in ${seen.agent.runtime})`}; choose another name`,
      );
    }
    const baseURL = `${location.origin}/api/llm/v1`;
    const model = spec.model ?? (await firstModel(baseURL));
    const agent = await startAgent(definitionFromSpec(spec, "browser"), {
      connection: nc,
      root: this.root,
      model: new OpenAIChatModel({
        baseURL,
        model,
        apiKey: "proxied-by-the-server",
        browser: true,
        timeoutMs: 60_000,
      }),
      online: () => onlineAgents(this.store.getState().registry).map((e) => e.agent),
      heartbeatMs: TAB_AGENT_HEARTBEAT_MS,
    });
    this.running.set(spec.name, agent);
    this.publishOwnership();
  }

  async stop(name: string): Promise<void> {
    const a = this.running.get(name);
    if (a === undefined) return;
    this.running.delete(name);
    this.publishOwnership();
    await a.close();
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.running.keys()].map((n) => this.stop(n)));
  }

  private publishOwnership(): void {
    const s = this.store.getState();
    const owned: Record<string, "tab" | "server"> = {};
    for (const [n, w] of Object.entries(s.owned)) if (w === "server") owned[n] = w;
    for (const n of this.running.keys()) owned[n] = "tab";
    s.setOwned(owned);
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
