/**
 * An agent definition as data that can cross a wire: what the "New agent" dialog sends and
 * `POST /api/agents` accepts. Tools are named from the catalog; everything is bounded.
 */
import { z } from "zod";
import { AgentName, type AgentRuntime } from "../../lib/protocol";
import { TOOL_CATALOG, toolsByName } from "../tools/catalog";
import type { AgentDefinition } from "./definition";

export const MAX_INSTRUCTIONS = 8_000;

export const AgentSpec = z.strictObject({
  name: AgentName,
  description: z.string().max(500).default(""),
  instructions: z
    .string()
    .min(1, "instructions are required")
    .max(MAX_INSTRUCTIONS, `instructions are longer than ${MAX_INSTRUCTIONS} characters`),
  capabilities: z
    .array(
      z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9 _-]{0,31}$/,
          "a capability is 1-32 letters, digits, spaces, '-' or '_'",
        ),
    )
    .max(16)
    .default([]),
  tools: z
    .array(z.string())
    .max(16)
    .default([])
    .superRefine((names, ctx) => {
      for (const n of names) {
        if (!Object.hasOwn(TOOL_CATALOG, n))
          ctx.addIssue({
            code: "custom",
            message: `unknown tool "${n}"; available: ${Object.keys(TOOL_CATALOG).join(", ")}`,
          });
      }
    }),
  model: z.string().min(1).max(200).optional(),
});
export type AgentSpec = z.infer<typeof AgentSpec>;

export function definitionFromSpec(spec: AgentSpec, runtime: AgentRuntime): AgentDefinition {
  return {
    name: spec.name,
    description: spec.description,
    instructions: spec.instructions,
    capabilities: spec.capabilities,
    tools: toolsByName(spec.tools),
    runtime,
    ...(spec.model === undefined ? {} : { model: spec.model }),
  };
}

/** Explains a failed parse in one line per problem: "name: ...; tools.0: ...". */
export function specProblems(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length === 0 ? "definition" : i.path.join(".")}: ${i.message}`)
    .join("; ");
}
