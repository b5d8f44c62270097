/**
 * The tools an agent started from the dashboard may be given, by name. Each is safe to run in a
 * browser tab or on the server (no file system, no network beyond what the tool states).
 */
import { z } from "zod";
import { defineTool, type Tool } from "./tool";
import { evaluateArithmetic } from "./arithmetic";
import { OfflineForecastTable } from "./forecast";
import { weatherTool } from "./weather";

export const TOOL_CATALOG: Readonly<Record<string, Tool>> = {
  get_weather: weatherTool(new OfflineForecastTable()),
  calculate: defineTool({
    name: "calculate",
    description: "Evaluate an arithmetic expression with + - * / and parentheses.",
    parameters: z.object({ expression: z.string().min(1).max(500) }),
    execute: ({ expression }) => `${expression} = ${evaluateArithmetic(expression)}`,
  }),
  current_time: defineTool({
    name: "current_time",
    description: "The current date and time (UTC, ISO 8601).",
    parameters: z.object({}),
    execute: () => new Date().toISOString(),
  }),
};

export function toolsByName(names: readonly string[]): Tool[] {
  return names.map((n) => {
    const t = TOOL_CATALOG[n];
    if (t === undefined) throw new Error(`unknown tool ${n}`);
    return t;
  });
}
