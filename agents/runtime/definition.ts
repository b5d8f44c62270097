/**
 * An agent is data: who it is, what it can do, which tools it has. One runner (runner.ts) owns
 * the loop that brings it to life; nothing here knows about NATS or the model server.
 */
import { z } from "zod";
import type { AgentProfile, AgentRuntime, Budget } from "../../lib/protocol";
import type { Tool } from "../tools/tool";

// Tools are defined below the runtime (the catalog needs them without it); re-exported here
// because an agent definition is where a reader looks for them.
export { defineTool, type Tool, type ToolContext } from "../tools/tool";

export interface AgentDefinition {
  readonly name: string;
  readonly description: string;
  /** The system prompt's core: what the agent is for and how it behaves. */
  readonly instructions: string;
  readonly capabilities: readonly string[];
  readonly tools: readonly Tool[];
  /** Model id; defaults to LLM_MODEL or the server's first model. */
  readonly model?: string;
  /** Model turns per run before it gives up (default 6). */
  readonly maxSteps?: number;
  /** `max_tokens` of each model call (default LLM_MAX_TOKENS). */
  readonly maxTokens?: number;
  /**
   * This agent's own budget per task (default BUDGET_*): a definition may widen or narrow it;
   * a message can only narrow it further.
   */
  readonly budget?: Partial<Budget>;
  readonly runtime?: AgentRuntime;
}

export function profileOf(d: AgentDefinition, model: string): AgentProfile {
  return {
    name: d.name,
    description: d.description,
    capabilities: [...d.capabilities],
    tools: d.tools.map((t) => ({ name: t.name, description: t.description })),
    model,
    runtime: d.runtime ?? "process",
  };
}

export function toolSpec(t: Tool): {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
} {
  const schema = z.toJSONSchema(t.parameters) as Record<string, unknown>;
  delete schema.$schema;
  return { name: t.name, description: t.description, parameters: schema };
}
