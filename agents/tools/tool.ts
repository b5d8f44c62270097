/**
 * What a tool is: a name, a description for the model, a zod schema for its arguments, and the
 * function that runs it. Defined here, below the runtime, so the tool catalog needs nothing above
 * it; the runtime's agent definition (agents/runtime/definition.ts) lists tools of this type.
 */
import type { z } from "zod";

export interface ToolContext {
  readonly signal: AbortSignal;
  /** The agent running the tool. */
  readonly agent: string;
}

export interface Tool<P extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly parameters: P;
  execute(args: z.infer<P>, ctx: ToolContext): Promise<string> | string;
}

/** Identity helper that keeps a tool's argument type tied to its schema. */
export function defineTool<P extends z.ZodType>(tool: Tool<P>): Tool {
  return tool as unknown as Tool;
}
