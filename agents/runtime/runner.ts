/**
 * The one loop that runs an agent: observe -> orient -> decide -> act, repeated until the model
 * answers without tools, hands the task off, runs out of steps or out of budget. The outcome is
 * a union on `type`; the runner never throws, so every failure becomes an answer to whoever asked.
 *
 * Every run is held to a budget (./budget.ts): each model call is checked and charged, the wall
 * time is a timer that aborts the run, and the run's report (what it spent, what is left) goes
 * back with its answer. When a run is aborted (canceled, its thread stopped, out of time), the
 * work it passed on is canceled too: what it waits for through its signal, what it sent without
 * waiting by a cancel to each.
 */
import {
  BUDGET_KEY,
  HopLimitError,
  budgetIn,
  isErrorCode,
  type AgentMetadata,
  type Budget,
  type ErrorCode,
  type RunReport,
  type TaskMessage,
} from "../../lib/protocol";
import type { AgentLink } from "../../lib/transport";
import { DEFAULTS } from "../../lib/config";
import {
  BudgetExceededError,
  DEFAULT_GUARDS,
  RunBudget,
  ThreadLedger,
  UsageMeter,
  type Guards,
} from "./budget";
import { chargeAnswer, commsTools, fanOutRefusal, HandoffArgs } from "./comms-tools";
import { toolSpec, type AgentDefinition, type Tool } from "./definition";
import { ThreadMemory } from "./memory";
import {
  MODEL_FAILURE_CODES,
  ModelError,
  type ChatMessage,
  type ChatModel,
  type CompleteOptions,
  type ModelTurn,
} from "../llm/model";
import { estimatedUsage } from "../llm/usage";
import { act } from "./steps/act";
import { decide } from "./steps/decide";
import { checkDelegation, requestOf, type DelegationVerdict } from "./steps/delegation";
import { observe, type Incoming } from "./steps/observe";
import { NOTHING, orient } from "./steps/orient";

export type RunOutcome = (
  | { readonly type: "answer"; readonly content: string; readonly steps: number }
  | { readonly type: "handed_off"; readonly to: string; readonly content: string }
  | { readonly type: "silent" }
  | { readonly type: "failed"; readonly code: ErrorCode; readonly message: string }
  | { readonly type: "canceled"; readonly reason: string }
) & {
  /** What the run spent and had left (absent when it never started: a malformed budget). */
  readonly report?: RunReport;
};

export interface RunnerOptions {
  readonly definition: AgentDefinition;
  readonly model: ChatModel;
  readonly link: AgentLink;
  /** Agents online now (a registry snapshot). */
  readonly online: () => readonly AgentMetadata[];
  /** How long `request_agent` and a handoff wait for their answer (ms, default 120 000). */
  readonly delegateTimeoutMs?: number;
  /** How often partial text is published while the model writes (ms, default 50). */
  readonly streamIntervalMs?: number;
  /** Budgets and fan-out (default: lib/config's). */
  readonly guards?: Guards;
  /** `max_tokens` per model call unless the definition sets its own (default LLM_MAX_TOKENS's). */
  readonly maxTokens?: number;
  /** What the agent remembers of one thread with one participant (bytes, default MEMORY_THREAD_BYTES's). */
  readonly memoryThreadBytes?: number;
}

export class Runner {
  private readonly memory: ThreadMemory;
  private readonly maxSteps: number;
  private readonly guards: Guards;
  /** The agent's own budget per task: configuration, then its definition. */
  private readonly budget: Budget;
  private readonly maxTokens: number;
  private readonly ledger = new ThreadLedger();
  /** Model usage over the last hour, reported in heartbeats. */
  readonly usage = new UsageMeter();

  constructor(private readonly o: RunnerOptions) {
    this.maxSteps = o.definition.maxSteps ?? 6;
    this.guards = o.guards ?? DEFAULT_GUARDS;
    this.budget = { ...this.guards.budget, ...o.definition.budget };
    this.maxTokens = o.definition.maxTokens ?? o.maxTokens ?? DEFAULTS.llmMaxTokens;
    this.memory = new ThreadMemory({ maxBytesPerThread: o.memoryThreadBytes ?? DEFAULTS.memoryThreadBytes });
  }

  async run(message: Incoming, signal: AbortSignal): Promise<RunOutcome> {
    const asked = budgetIn(message.metadata);
    if (!asked.ok) return { type: "failed", code: "bad_budget", message: asked.error };
    const budget = new RunBudget(this.budget, asked.value, {
      id: message.threadId,
      limits: this.guards.thread,
      ledger: this.ledger,
    });
    // Wall time is a timer that aborts the run like a cancel would, with the budget as reason.
    const wall = new AbortController();
    const timer = setTimeout(() => wall.abort(budget.wallTimeError()), budget.limits.wallMs);
    const runSignal = AbortSignal.any([signal, wall.signal]);
    const sent: { to: string; id: string }[] = [];
    try {
      const outcome = await this.loop(message, runSignal, budget, sent);
      return { ...outcome, report: budget.report() };
    } finally {
      clearTimeout(timer);
      if (runSignal.aborted) this.cancelSent(sent, message.threadId, runSignal.reason);
    }
  }

  private async loop(
    message: Incoming,
    signal: AbortSignal,
    budget: RunBudget,
    sent: { to: string; id: string }[],
  ): Promise<RunOutcome> {
    const { definition: def, link } = this.o;
    const task = message.type === "announcement" ? null : message;
    const mayDelegate = (target: string) =>
      checkDelegation({
        self: def.name,
        instructions: def.instructions,
        request: requestOf(message),
        target,
        online: this.o.online(),
      });
    const tools: Tool[] = [
      ...def.tools,
      ...commsTools({
        link,
        cause: message,
        online: this.o.online,
        requestTimeoutMs: () => this.delegateTimeout(budget),
        mayDelegate,
        budget,
        fanOut: this.guards.fanOut,
        onSent: (to, id) => sent.push({ to, id }),
      }),
    ];
    const model = this.metered(budget);
    const specs = tools.map(toolSpec);
    const observation = observe(message, this.memory, this.o.online, def.name);
    const messages: ChatMessage[] = orient(def, observation);
    const userTurn = messages.at(-1)!;
    const peers = observation.peers.map((p) => p.name);
    try {
      for (let step = 1; step <= this.maxSteps; step++) {
        const streamer = task === null ? undefined : new Streamer(link, task, this.o.streamIntervalMs ?? 50);
        const decision = await decide(model, messages, specs, signal, {
          peers,
          ...(streamer === undefined ? {} : { onDelta: (t: string) => streamer.push(t) }),
        });
        streamer?.flush();
        const { turn } = decision;
        if (turn.toolCalls.length === 0) {
          const content = turn.content.trim();
          this.memory.append(message.threadId, message.from, userTurn, { role: "assistant", content });
          if (
            message.type === "announcement" &&
            (content === "" || content.toUpperCase().startsWith(NOTHING))
          ) {
            return { type: "silent" };
          }
          return { type: "answer", content, steps: step };
        }
        messages.push({ role: "assistant", content: turn.content, toolCalls: turn.toolCalls });
        const handoff = turn.toolCalls.find((c) => c.name === "handoff");
        if (handoff !== undefined) {
          const outcome = await this.handOff(handoff.arguments, message, mayDelegate, signal, budget);
          if (outcome.type !== "retry") {
            if (outcome.type === "handed_off") {
              this.memory.append(message.threadId, message.from, userTurn, {
                role: "assistant",
                content: `(handed off to ${outcome.to}) ${outcome.content}`,
              });
            }
            return outcome;
          }
          messages.push({ role: "tool", content: outcome.message, toolCallId: handoff.id });
          continue;
        }
        for (const call of turn.toolCalls) {
          budget.chargeTool(call.name);
          const result = await act(call, tools, { signal, agent: def.name });
          messages.push({ role: "tool", content: result, toolCallId: call.id });
        }
      }
      return {
        type: "failed",
        code: "max_steps",
        message: `${def.name} gave up after ${this.maxSteps} model turns without an answer`,
      };
    } catch (e) {
      return this.failure(e, signal);
    }
  }

  /** How long a delegation may wait: the configured timeout, within the run's wall time left. */
  private delegateTimeout(budget: RunBudget): number {
    return Math.max(1, Math.min(this.o.delegateTimeoutMs ?? 120_000, budget.left().wallMs));
  }

  /**
   * The model as this run sees it: every call is checked against the budget first, asks for at
   * most what is left in `max_tokens`, and is charged after (from the server's usage figures, or
   * estimated from the text when it reports none).
   */
  private metered(budget: RunBudget): ChatModel {
    const inner = this.o.model;
    return {
      id: inner.id,
      complete: async (options: CompleteOptions): Promise<ModelTurn> => {
        budget.beforeModelCall();
        const turn = await inner.complete({ ...options, maxTokens: budget.maxTokens(this.maxTokens) });
        const usage = turn.usage ?? estimatedUsage(options, turn, undefined);
        budget.chargeModel(usage);
        this.usage.add(usage);
        return turn;
      },
    };
  }

  /** The run was aborted: the tasks it sent without waiting are canceled too (we gave them). */
  private cancelSent(sent: readonly { to: string; id: string }[], threadId: string, reason: unknown): void {
    const why = `the task that sent it ended: ${(reason as Error)?.message ?? String(reason)}`;
    for (const s of sent) {
      try {
        this.o.link.cancel(s.to, s.id, why.slice(0, 500), threadId);
      } catch {
        // the link is closing: nobody is left to cancel for
      }
    }
  }

  /**
   * Hands the task, as it was asked, over and waits for the receiver's answer, which becomes this
   * run's answer. A handoff the delegation check refuses goes back to the model as a tool result.
   */
  private async handOff(
    rawArgs: string,
    message: Incoming,
    mayDelegate: (target: string) => DelegationVerdict,
    signal: AbortSignal,
    budget: RunBudget,
  ): Promise<RunOutcome | { type: "retry"; message: string }> {
    let args: HandoffArgs;
    try {
      args = HandoffArgs.parse(JSON.parse(rawArgs === "" ? "{}" : rawArgs));
    } catch {
      return { type: "retry", message: `error: bad handoff arguments: ${rawArgs.slice(0, 200)}` };
    }
    const verdict = mayDelegate(args.agent);
    if (verdict.type === "refused") return { type: "retry", message: verdict.message };
    const refused = fanOutRefusal(budget, this.guards.fanOut);
    if (refused !== null) return { type: "retry", message: refused };
    try {
      const answer = await this.o.link.handoffAndWait(
        args.agent,
        { task: requestOf(message), progress: args.progress, reason: args.reason },
        {
          cause: message,
          signal,
          timeoutMs: this.delegateTimeout(budget),
          metadata: { [BUDGET_KEY]: budget.left() },
        },
      );
      chargeAnswer(budget, args.agent, answer);
      return { type: "handed_off", to: args.agent, content: answer.content };
    } catch (e) {
      chargeAnswer(budget, args.agent, e);
      throw e;
    }
  }

  private failure(e: unknown, signal: AbortSignal): RunOutcome {
    const exceeded =
      e instanceof BudgetExceededError
        ? e
        : signal.reason instanceof BudgetExceededError
          ? signal.reason
          : null;
    if (exceeded !== null) return { type: "failed", code: "budget_exceeded", message: exceeded.message };
    if (signal.aborted)
      return { type: "canceled", reason: String((signal.reason as Error)?.message ?? signal.reason) };
    if (e instanceof ModelError)
      return { type: "failed", code: MODEL_FAILURE_CODES[e.kind], message: e.message };
    if (e instanceof HopLimitError) return { type: "failed", code: "hop_limit", message: e.message };
    const err = e as { name?: string; code?: unknown; message?: string };
    // A delegated task's failure passes its code on when it is one of ours; anything else (a
    // peer's own code, a client library's) is not vocabulary we send.
    const code: ErrorCode = isErrorCode(err.code)
      ? err.code
      : err.name === "NoAgentError"
        ? "no_agent"
        : err.name === "RequestTimeoutError"
          ? "timeout"
          : "run_failed";
    return { type: "failed", code, message: err.message ?? String(e) };
  }
}

/** Publishes the model's text while it is written, in pieces at most every `intervalMs`. */
class Streamer {
  private buffer = "";
  private seq = 0;
  private last = 0;

  constructor(
    private readonly link: AgentLink,
    private readonly task: TaskMessage,
    private readonly intervalMs: number,
  ) {}

  push(text: string): void {
    this.buffer += text;
    if (Date.now() - this.last >= this.intervalMs) this.flush();
  }

  flush(): void {
    if (this.buffer === "") return;
    try {
      this.link.stream(this.task, this.buffer, this.seq++);
    } catch {
      // streaming is best effort: the final answer carries the whole text anyway
    }
    this.buffer = "";
    this.last = Date.now();
  }
}
