/** The `get_weather` tool over any forecast source (the offline table by default). */
import { z } from "zod";
import { defineTool } from "./tool";
import { describeForecast, type ForecastSource } from "./forecast";

export function weatherTool(source: ForecastSource) {
  return defineTool({
    name: "get_weather",
    description: "Get the weather forecast for a city, for 1 to 3 days.",
    parameters: z.object({
      city: z.string().min(1).max(100).describe("City name, e.g. Oslo"),
      days: z.int().min(1).max(3).default(1).describe("Number of days"),
    }),
    execute: async ({ city, days }, ctx) => {
      const f = await source.forecast(city, days, ctx.signal);
      return JSON.stringify({ summary: describeForecast(f), days: f });
    },
  });
}
