/**
 * Brings an agent definition to life on NATS: a link whose task handlers run the OODA loop, a
 * view of who is online, and status kept honest (busy while a run is under way). Model calls are
 * gated (one at a time by default, see agents/llm/gated-model.ts); runs themselves are bounded by the
 * link's limit on running tasks.
 */
import {
  runMetadata,
  type AgentMetadata,
  type AnnouncementMessage,
  type ErrorCode,
  type TaskMessage,
} from "../../lib/protocol";
import { onlineAgents } from "../../lib/registry/reducer";
import {
  consoleLogger,
  AgentLink,
  RegistryWatcher,
  type AgentLinkOptions,
  type HandlerContext,
  type Logger,
  type NatsConnection,
  type Reply,
} from "../../lib/transport";
import { profileOf, type AgentDefinition } from "./definition";
import { GatedModel } from "../llm/gated-model";
import type { ChatModel } from "../llm/model";
import type { Guards } from "./budget";
import { Runner, type RunOutcome } from "./runner";

export interface StartAgentOptions {
  readonly connection: NatsConnection;
  readonly model: ChatModel;
  /** Who is online; by default the agent follows the registry itself. */
  readonly online?: () => readonly AgentMetadata[];
  readonly heartbeatMs?: number;
  readonly delegateTimeoutMs?: number;
  readonly maxHops?: number;
  /** Model calls at once (default 1) and model calls allowed to wait (default 16). */
  readonly concurrency?: number;
  readonly queueLimit?: number;
  readonly logger?: Logger;
  readonly root?: string;
  /** Budgets and fan-out (BUDGET_*, THREAD_*, FAN_OUT_LIMIT); default: lib/config's. */
  readonly guards?: Guards;
  /** `max_tokens` per model call unless the definition sets its own (LLM_MAX_TOKENS). */
  readonly maxTokens?: number;
  /** What the agent remembers per thread and participant (MEMORY_THREAD_BYTES). */
  readonly memoryThreadBytes?: number;
  /** The log's settings for this agent's link (DELIVERY_TTL_MS, OUTBOX_MAX_BYTES); default: lib/config's. */
  readonly durable?: Pick<AgentLinkOptions, "deliveryTtlMs" | "outboxMaxBytes">;
}

export interface RunningAgent extends AsyncDisposable {
  readonly definition: AgentDefinition;
  readonly link: AgentLink;
  close(): Promise<void>;
}

export async function startAgent(definition: AgentDefinition, o: StartAgentOptions): Promise<RunningAgent> {
  let watcher: RegistryWatcher | undefined;
  let online = o.online;
  if (online === undefined) {
    const w = await RegistryWatcher.start({
      connection: o.connection,
      ...(o.root === undefined ? {} : { root: o.root }),
      discoveryMs: 100,
      observerName: definition.name,
    });
    watcher = w;
    online = () => onlineAgents(w.state).map((e) => e.agent);
  }
  const model = new GatedModel(o.model, o.concurrency ?? 1, o.queueLimit ?? 16);
  // The runner needs the link and the link's handlers need the runner; handlers only fire after
  // both exist, so they reach the runner through this late-bound slot.
  const late: { runner?: Runner } = {};
  let active = 0;
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    active++;
    link.setStatus("busy");
    try {
      return await work();
    } finally {
      if (--active === 0) link.setStatus("online");
    }
  };
  const log = o.logger ?? consoleLogger(definition.name);
  const run = (m: TaskMessage, ctx: HandlerContext): Promise<Reply> =>
    track(async () => {
      const outcome = await late.runner!.run(m, ctx.signal);
      if (outcome.type === "failed")
        log.warn(`${m.type} ${m.id} from ${m.from} failed: ${outcome.code}: ${outcome.message}`);
      return toReply(outcome, model.id);
    });
  // A broadcast is answered only with something to say: a failed run stays quiet (and logged)
  // instead of sending every listener an error.
  const hear = (m: AnnouncementMessage, ctx: HandlerContext): Promise<void> =>
    track(async () => {
      if (m.hops >= 1) return; // answer people's broadcasts, not broadcasts made by runs
      const outcome = await late.runner!.run(m, ctx.signal);
      if (outcome.type === "answer" && link.status !== "offline") link.reply(m, toReply(outcome, model.id)!);
      else if (outcome.type === "failed")
        log.warn(`broadcast ${m.id} from ${m.from}: ${outcome.code}: ${outcome.message}`);
    });
  const link: AgentLink = await AgentLink.start({
    connection: o.connection,
    agent: profileOf(definition, o.model.id),
    ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
    ...(o.maxHops === undefined ? {} : { maxHops: o.maxHops }),
    ...(o.logger === undefined ? {} : { logger: o.logger }),
    ...(o.root === undefined ? {} : { root: o.root }),
    ...o.durable,
    handlers: {
      direct: run,
      request: run,
      handoff: run,
      announcement: hear,
    },
  });
  late.runner = new Runner({
    definition,
    model,
    link,
    online,
    ...(o.delegateTimeoutMs === undefined ? {} : { delegateTimeoutMs: o.delegateTimeoutMs }),
    ...(o.guards === undefined ? {} : { guards: o.guards }),
    ...(o.maxTokens === undefined ? {} : { maxTokens: o.maxTokens }),
    ...(o.memoryThreadBytes === undefined ? {} : { memoryThreadBytes: o.memoryThreadBytes }),
  });
  const runner = late.runner;
  link.reportUsage(() => runner.usage.window());
  const close = async () => {
    await link.close();
    await watcher?.close();
  };
  return { definition, link, close, [Symbol.asyncDispose]: close };
}

function toReply(outcome: RunOutcome, model: string): Reply {
  // What the run spent travels with its answer: the delegator charges it, the dashboard shows it.
  const run = outcome.report === undefined ? {} : runMetadata(outcome.report);
  switch (outcome.type) {
    case "answer":
      return { content: outcome.content, metadata: { steps: outcome.steps, model, ...run } };
    case "handed_off":
      return { content: outcome.content, metadata: { handedOffTo: outcome.to, model, ...run } };
    case "silent":
      return undefined;
    case "failed":
      return {
        content: outcome.message,
        status: "error",
        error: { code: outcome.code, message: outcome.message },
        metadata: { model, ...run },
      };
    case "canceled": {
      const code: ErrorCode = "canceled";
      return { content: outcome.reason, status: "canceled", error: { code, message: outcome.reason } };
    }
  }
}
