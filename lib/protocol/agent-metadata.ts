/**
 * What an agent tells the registry about itself, carried in presence, heartbeat and discovery
 * answers.
 */
import { z } from "zod";
import { AGENT_NAME_PATTERN } from "./names";

export const AgentName = z
  .string()
  .regex(AGENT_NAME_PATTERN, "agent name: 1-64 letters, digits, '-' or '_', no dots or wildcards");
export type AgentName = z.infer<typeof AgentName>;

export const AGENT_STATUSES = ["online", "busy", "offline"] as const;
export const AgentStatus = z.enum(AGENT_STATUSES);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** Where the agent's code runs: its own process, a Next.js server, or a browser tab. */
export const AgentRuntime = z.enum(["process", "server", "browser"]);
export type AgentRuntime = z.infer<typeof AgentRuntime>;

export const ToolInfo = z.object({
  name: z.string().min(1).max(64),
  description: z.string().max(1_000).default(""),
});
export type ToolInfo = z.infer<typeof ToolInfo>;

const Timestamp = z.iso.datetime({ offset: true });

const count = (max: number) => z.int().min(0).max(max);

/** An agent's model usage over a recent window (the last hour), for the registry. */
export const UsageWindow = z.object({
  windowMs: count(86_400_000),
  modelCalls: count(100_000_000),
  tokensIn: count(1e12),
  tokensOut: count(1e12),
  /** Some figures were estimated from text length (the model server reported no usage). */
  estimated: z.boolean().default(false),
  /** US dollars, when the model server reports cost or a price per token is configured. */
  costUsd: z.number().min(0).max(1e9).optional(),
});
export type UsageWindow = z.infer<typeof UsageWindow>;

export const AgentMetadata = z.object({
  name: AgentName,
  description: z.string().max(2_000).default(""),
  capabilities: z.array(z.string().min(1).max(64)).max(64).default([]),
  tools: z.array(ToolInfo).max(64).default([]),
  status: AgentStatus,
  model: z.string().max(200).optional(),
  runtime: AgentRuntime.default("process"),
  startedAt: Timestamp,
  lastSeen: Timestamp,
  /** The agent's heartbeat interval, so a watcher knows when it is overdue. */
  heartbeatMs: z.int().min(100).max(3_600_000),
  /** Model calls and tokens over the last hour (agents that run a model). */
  usage: UsageWindow.optional(),
});
export type AgentMetadata = z.infer<typeof AgentMetadata>;

/** What an agent's author supplies; the link fills in status, times and interval. */
export const AgentProfile = AgentMetadata.pick({
  name: true,
  description: true,
  capabilities: true,
  tools: true,
  model: true,
  runtime: true,
}); // description, capabilities, tools and runtime have defaults, so input may omit them
export type AgentProfile = z.input<typeof AgentProfile>;
