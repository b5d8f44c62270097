/** The demo agents as templates for the "New agent" dialog (renamed, they can run anywhere). */
import type { AgentSpec } from "../runtime/agent-spec";
import { generalAssistant, taskCoordinator, weatherBot } from "./definitions";

export const TEMPLATES: readonly (AgentSpec & { template: string })[] = [
  weatherBot(),
  taskCoordinator,
  generalAssistant,
].map((d) => ({
  template: d.name,
  name: d.name,
  description: d.description,
  instructions: d.instructions,
  capabilities: [...d.capabilities],
  tools: d.tools.map((t) => t.name),
}));
