/**
 * Communication offered to the model as tools, so an agent decides by itself to look around,
 * message, ask, hand off or broadcast. `handoff` is special: it ends the agent's turn (see
 * runner.ts), so it is executed by the runner, not here.
 */
import { z } from "zod";
import type { AgentMetadata, Priority, TaskMessage } from "../../lib/protocol";
import type { AgentLink } from "../../lib/transport";
import { defineTool, type Tool } from "./definition";

export const HandoffArgs = z.object({
  agent: z.string().describe("Name of the agent to hand the task to"),
  task: z.string().describe("The task, as it was asked"),
  progress: z.string().default("").describe("What has been done so far"),
  reason: z.string().default("").describe("Why this agent should take it over"),
});
export type HandoffArgs = z.infer<typeof HandoffArgs>;

const handoffTool = defineTool({
  name: "handoff",
  description: "Hand the current task over to another agent, with its context. Ends your turn.",
  parameters: HandoffArgs,
  execute: () => "handled by the runner",
});

export function commsTools(
  link: AgentLink,
  task: TaskMessage | null,
  online: () => readonly AgentMetadata[],
  requestTimeoutMs: number,
): Tool[] {
  const cause = task ?? undefined;
  return [
    defineTool({
      name: "list_agents",
      description: "List the agents online now, with their capabilities.",
      parameters: z.object({}),
      execute: () =>
        JSON.stringify(
          online().map((a) => ({
            name: a.name,
            status: a.status,
            capabilities: a.capabilities,
            description: a.description,
          })),
        ),
    }),
    defineTool({
      name: "send_direct",
      description: "Send a message to one agent; it starts working on it. You do not wait for its answer.",
      parameters: z.object({
        agent: z.string(),
        message: z.string(),
        priority: z.int().min(1).max(5).optional(),
      }),
      execute: ({ agent, message, priority }) => {
        const m = link.sendDirect(agent, message, {
          cause,
          ...(priority === undefined ? {} : { priority: priority as Priority }),
        });
        return `sent to ${agent} (message ${m.id})`;
      },
    }),
    defineTool({
      name: "request_agent",
      description: "Ask one agent a question and wait for its answer.",
      parameters: z.object({ agent: z.string(), question: z.string() }),
      execute: async ({ agent, question }, ctx) => {
        const r = await link.request(agent, question, {
          cause,
          signal: ctx.signal,
          timeoutMs: requestTimeoutMs,
        });
        return r.content;
      },
    }),
    defineTool({
      name: "broadcast",
      description: "Announce something to every agent.",
      parameters: z.object({ message: z.string() }),
      execute: ({ message }) => {
        link.broadcast(message, { cause });
        return "broadcast sent";
      },
    }),
    handoffTool,
  ];
}
