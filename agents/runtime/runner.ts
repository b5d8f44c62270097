/**
 * The one loop that runs an agent: observe -> orient -> decide -> act, repeated until the model
 * answers without tools, hands the task off, or runs out of steps. The outcome is a union on
 * `type`; the runner never throws, so every failure becomes an answer to whoever asked.
 */
import {
  HopLimitError,
  isErrorCode,
  type AgentMetadata,
  type ErrorCode,
  type TaskMessage,
} from "../../lib/protocol";
import type { AgentLink } from "../../lib/transport";
import { commsTools, HandoffArgs } from "./comms-tools";
import { toolSpec, type AgentDefinition, type Tool } from "./definition";
import { ThreadMemory } from "./memory";
import { MODEL_FAILURE_CODES, ModelError, type ChatMessage, type ChatModel } from "../llm/model";
import { act } from "./steps/act";
import { decide } from "./steps/decide";
import { checkDelegation, requestOf, type DelegationVerdict } from "./steps/delegation";
import { observe, type Incoming } from "./steps/observe";
import { NOTHING, orient } from "./steps/orient";

export type RunOutcome =
  | { readonly type: "answer"; readonly content: string; readonly steps: number }
  | { readonly type: "handed_off"; readonly to: string; readonly content: string }
  | { readonly type: "silent" }
  | { readonly type: "failed"; readonly code: ErrorCode; readonly message: string }
  | { readonly type: "canceled"; readonly reason: string };

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
}

export class Runner {
  private readonly memory = new ThreadMemory();
  private readonly maxSteps: number;

  constructor(private readonly o: RunnerOptions) {
    this.maxSteps = o.definition.maxSteps ?? 6;
  }

  async run(message: Incoming, signal: AbortSignal): Promise<RunOutcome> {
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
        task,
        online: this.o.online,
        requestTimeoutMs: this.delegateTimeout,
        mayDelegate,
      }),
    ];
    const specs = tools.map(toolSpec);
    const observation = observe(message, this.memory, this.o.online, def.name);
    const messages: ChatMessage[] = orient(def, observation);
    const userTurn = messages.at(-1)!;
    const peers = observation.peers.map((p) => p.name);
    try {
      for (let step = 1; step <= this.maxSteps; step++) {
        const streamer = task === null ? undefined : new Streamer(link, task, this.o.streamIntervalMs ?? 50);
        const decision = await decide(this.o.model, messages, specs, signal, {
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
          const outcome = await this.handOff(handoff.arguments, message, mayDelegate, signal);
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

  private get delegateTimeout(): number {
    return this.o.delegateTimeoutMs ?? 120_000;
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
  ): Promise<RunOutcome | { type: "retry"; message: string }> {
    let args: HandoffArgs;
    try {
      args = HandoffArgs.parse(JSON.parse(rawArgs === "" ? "{}" : rawArgs));
    } catch {
      return { type: "retry", message: `error: bad handoff arguments: ${rawArgs.slice(0, 200)}` };
    }
    const verdict = mayDelegate(args.agent);
    if (verdict.type === "refused") return { type: "retry", message: verdict.message };
    const answer = await this.o.link.handoffAndWait(
      args.agent,
      { task: requestOf(message), progress: args.progress, reason: args.reason },
      { cause: message, signal, timeoutMs: this.delegateTimeout },
    );
    return { type: "handed_off", to: args.agent, content: answer.content };
  }

  private failure(e: unknown, signal: AbortSignal): RunOutcome {
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
