/**
 * `withNats(agent, options)`: gives any agent the NATS layer by composition, the way the seed's
 * mixin did by inheritance. The agent only needs a profile and one `run` function; direct
 * messages and handoffs start a run, requests get the run's result as their response. Nothing in
 * the agent has to know about NATS, so it stays testable and usable without it.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { AgentProfile, DirectMessage, HandoffMessage, RequestMessage } from "../protocol";
import { AgentLink, type AgentLinkOptions, type HandlerContext } from "./agent-link";

export type RunInput =
  | { readonly kind: "direct"; readonly content: string; readonly message: DirectMessage }
  | { readonly kind: "request"; readonly content: string; readonly message: RequestMessage }
  | { readonly kind: "handoff"; readonly content: string; readonly message: HandoffMessage };

export interface RunnableAgent {
  readonly profile: AgentProfile;
  run(input: RunInput, ctx: HandlerContext): Promise<string | void> | string | void;
}

export type WithNatsOptions = Omit<AgentLinkOptions, "agent" | "handlers" | "connection"> & {
  readonly connection: NatsConnection;
};

export function withNats(agent: RunnableAgent, options: WithNatsOptions): Promise<AgentLink> {
  return AgentLink.start({
    ...options,
    agent: agent.profile,
    handlers: {
      direct: (message, ctx) => agent.run({ kind: "direct", content: message.content, message }, ctx),
      handoff: (message, ctx) => agent.run({ kind: "handoff", content: message.content, message }, ctx),
      request: async (message, ctx) => {
        const out = await agent.run({ kind: "request", content: message.content, message }, ctx);
        return out ?? "";
      },
    },
  });
}
