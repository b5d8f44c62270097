/**
 * The seed's demo trio, as data. Weather-Bot has a forecast tool; Task-Coordinator routes work
 * to whoever has the capability; General-Assistant answers the rest.
 */
import type { AgentDefinition } from "../runtime/definition";
import { OfflineForecastTable, type ForecastSource } from "../tools/forecast";
import { weatherTool } from "../tools/weather";

export function weatherBot(source: ForecastSource = new OfflineForecastTable()): AgentDefinition {
  return {
    name: "Weather-Bot",
    description: "Weather specialist: forecasts for any city.",
    instructions:
      "Answer weather questions with the get_weather tool. Be brief and say where the data comes from.",
    capabilities: ["weather", "forecast", "temperature", "rain", "snow", "wind"],
    tools: [weatherTool(source)],
  };
}

export const taskCoordinator: AgentDefinition = {
  name: "Task-Coordinator",
  description: "Routes each task to the agent whose capabilities fit it.",
  instructions:
    "You do not do tasks yourself. Look at the agents online and their capabilities, and hand each task " +
    "to the best fit with the handoff tool, saying what was asked and why that agent. If nobody fits, answer briefly yourself.",
  capabilities: ["routing", "coordination"],
  tools: [],
};

export const generalAssistant: AgentDefinition = {
  name: "General-Assistant",
  description: "Multi-purpose helper for general questions and writing.",
  instructions:
    "Answer general questions helpfully and briefly. For specialist topics (weather, ...) hand the task to the agent that has that capability.",
  capabilities: ["general", "writing", "questions"],
  tools: [],
};

export function demoAgents(source?: ForecastSource): AgentDefinition[] {
  return [weatherBot(source), taskCoordinator, generalAssistant];
}
