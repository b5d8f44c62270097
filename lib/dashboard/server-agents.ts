/**
 * Agents the dashboard's server runs, through its routes: `GET /api/agents` (what it runs),
 * `POST /api/agents` (start one from a definition), `DELETE /api/agents/{name}` (stop one).
 * Every failure becomes a `ServerAgentsError` whose message a person can act on: the route's own
 * explanation when it gave one, otherwise what went wrong in words.
 */
import { z } from "zod";
import type { AgentSpec } from "../../agents/runtime/agent-spec";
import { nameProblem } from "../protocol";

export class ServerAgentsError extends Error {
  override readonly name = "ServerAgentsError";
  constructor(
    message: string,
    /** The HTTP status, or 0 when the server did not answer. */
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const Listing = z.object({ agents: z.array(z.object({ name: z.string() })) });
const Failure = z.object({ error: z.string().min(1).max(2_000) });

export interface ServerAgentsOptions {
  /** Where the routes are (default: this page's origin). */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Per call (ms, default 30 000: starting an agent asks who is online first). */
  readonly timeoutMs?: number;
}

export class ServerAgents {
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(o: ServerAgentsOptions = {}) {
    this.base = o.baseUrl ?? "";
    this.fetch = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  /** The names of the agents the server runs. */
  async list(): Promise<string[]> {
    const body = await this.call("GET", "/api/agents", "list the server's agents");
    const parsed = Listing.safeParse(body);
    if (!parsed.success) throw new ServerAgentsError("the server's list of agents is not readable", 200);
    return parsed.data.agents.map((a) => a.name);
  }

  async start(spec: AgentSpec): Promise<void> {
    await this.call("POST", "/api/agents", `start ${spec.name} on the server`, spec);
  }

  async stop(name: string): Promise<void> {
    const problem = nameProblem(name);
    if (problem !== null) throw new ServerAgentsError(problem, 0);
    await this.call("DELETE", `/api/agents/${encodeURIComponent(name)}`, `stop ${name}`);
  }

  private async call(method: string, path: string, what: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetch(`${this.base}${path}`, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
    } catch (e) {
      const why = e instanceof Error && e.name === "TimeoutError" ? "no answer in time" : "no answer";
      throw new ServerAgentsError(`could not ${what}: the dashboard's server gave ${why}`, 0, { cause: e });
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (res.ok) return json;
    const failure = Failure.safeParse(json);
    throw new ServerAgentsError(
      failure.success ? failure.data.error : `could not ${what}: the server answered ${res.status}`,
      res.status,
    );
  }
}
