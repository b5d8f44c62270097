/**
 * Act: run the tools the model asked for. Arguments are validated by the tool's schema; a bad
 * argument, an unknown tool or a failing tool becomes a tool result the model can read and
 * correct, never an exception out of the run.
 */
import type { Tool } from "../definition";
import type { ToolCall } from "../../llm/model";

const MAX_RESULT_CHARS = 16_000;

export async function act(
  call: ToolCall,
  tools: readonly Tool[],
  ctx: { signal: AbortSignal; agent: string },
): Promise<string> {
  const tool = tools.find((t) => t.name === call.name);
  if (tool === undefined)
    return `error: there is no tool named ${call.name}; tools: ${tools.map((t) => t.name).join(", ")}`;
  let raw: unknown;
  try {
    raw = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
  } catch {
    return `error: the arguments of ${call.name} are not valid JSON: ${call.arguments.slice(0, 200)}`;
  }
  const args = tool.parameters.safeParse(raw);
  if (!args.success) {
    const why = args.error.issues.map((i) => `${i.path.join(".") || "(arguments)"}: ${i.message}`).join("; ");
    return `error: bad arguments for ${call.name}: ${why}`;
  }
  try {
    const out = await tool.execute(args.data, ctx);
    return out.length > MAX_RESULT_CHARS ? `${out.slice(0, MAX_RESULT_CHARS)}… (truncated)` : out;
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    return `error: ${call.name} failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}
