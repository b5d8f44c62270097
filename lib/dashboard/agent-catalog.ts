/**
 * What the "New agent" dialog offers: the definition schema and its problems in words, and the
 * tools an agent may be given. Templates (the demo agents, copied and renamed) are content the
 * page hands in (`initialTemplates`): the demo agents are a leaf the dashboard does not import.
 */
import { AgentSpec, specProblems } from "../../agents/runtime/agent-spec";
import { TOOL_CATALOG } from "../../agents/tools/catalog";

export { AgentSpec, specProblems };

/** A definition to start from; `template` is what the dialog lists it as. */
export type AgentTemplate = AgentSpec & { readonly template: string };

/** Each tool's name and what it does (the tools themselves run in the agent, not the dialog). */
export const AGENT_TOOLS: readonly { readonly name: string; readonly description: string }[] = Object.values(
  TOOL_CATALOG,
).map((t) => ({ name: t.name, description: t.description }));
